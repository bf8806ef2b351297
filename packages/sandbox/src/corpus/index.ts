import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { KubeObject } from '../kube/types';

/**
 * A conformance corpus: real objects from upstream docs, test fixtures and
 * user reports (each file names its source), some with the status the real
 * controllers wrote, and some that a real API server refuses. The sandbox's
 * corpus test stores and reads them back; status derivation tests reuse them.
 */
export interface CorpusItem {
  /** The fixture's file name without `.yaml`. */
  name: string;
  source: { url: string; note?: string };
  apiVersion: string;
  kind: string;
  object: KubeObject;
  /** Whether a real API server stores it (false: it refuses it with `expectedCode`). */
  valid: boolean;
  expectedCode?: number;
  /** The field the refusal names (in the Status message or causes). */
  expectedField?: string;
  /** A controller takes the object over (e.g. a Workflow without a final phase), so its status is not compared. */
  statusMayChange?: boolean;
}

const fixtureSchema = z.strictObject({
  source: z.strictObject({
    url: z.url({ protocol: /^https$/ }),
    note: z.string().optional(),
  }),
  expect: z.union([
    z.strictObject({
      valid: z.literal(true),
      statusMayChange: z.boolean().optional(),
    }),
    z.strictObject({
      valid: z.literal(false),
      code: z.number().int().min(400).max(499),
      field: z.string().optional(),
    }),
  ]),
  object: z.looseObject({
    apiVersion: z.string().min(1),
    kind: z.string().min(1),
    metadata: z.looseObject({}),
  }),
});

/** Where the fixtures live (the sandbox runs from source, never bundled). */
// eslint-disable-next-line no-restricted-syntax
export const CORPUS_DIR = path.join(__dirname, 'fixtures');

/** Every fixture of the corpus, sorted by name; a malformed fixture throws. */
export function loadCorpus(dir: string = CORPUS_DIR): CorpusItem[] {
  return fs
    .readdirSync(dir)
    .filter(file => file.endsWith('.yaml'))
    .sort()
    .map(file => {
      const name = file.replace(/\.yaml$/, '');
      const parsed = fixtureSchema.safeParse(
        parse(fs.readFileSync(path.join(dir, file), 'utf8')),
      );
      if (!parsed.success) {
        throw new Error(`corpus fixture ${file}: ${parsed.error.message}`);
      }
      const { source, expect, object } = parsed.data;
      return {
        name,
        source,
        apiVersion: object.apiVersion,
        kind: object.kind,
        object: object as KubeObject,
        valid: expect.valid,
        ...(expect.valid && expect.statusMayChange
          ? { statusMayChange: true }
          : {}),
        ...(!expect.valid
          ? {
              expectedCode: expect.code,
              ...(expect.field ? { expectedField: expect.field } : {}),
            }
          : {}),
      };
    });
}
