import fs from 'node:fs';
import OpenAPIBackend from 'openapi-backend';
import type { Document } from 'openapi-backend';

/** The committed, pruned copy of GitHub's OpenAPI description (see scripts/prune-github-spec.mjs). */
export const GITHUB_SPEC_PATH = require.resolve(
  '../../spec/github-api.pruned.json',
);

export interface SchemaError {
  /** Where: `requestBody.content`, `query.per_page`, `response.owner.login`, ... */
  field: string;
  message: string;
}

const DATE_TIME =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Adapts GitHub's description for Ajv without changing what it accepts in
 * practice: `nullable: true` next to `allOf`/`anyOf` without a `type` (which
 * OpenAPI 3.0 tolerates and Ajv rejects) becomes "the schema, or null"; and
 * `oneOf` becomes `anyOf`, because GitHub's alternatives overlap (a 409 body
 * is both a `basic-error` and a `repository-rule-violation-error`, whose
 * fields are all optional), so "exactly one" would reject GitHub's own bodies.
 */
function normalizeSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalizeSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'discriminator') continue;
    out[k === 'oneOf' ? 'anyOf' : k] = normalizeSchema(v);
  }
  if (out.nullable === true && out.type === undefined) {
    const { nullable: _nullable, description, ...rest } = out;
    return { description, anyOf: [rest, { type: 'null' }] };
  }
  return out;
}

/**
 * GitHub types the workflow-run listings' `created` parameter as
 * `format: date-time`, but the server takes GitHub's search syntax there
 * (`>=2026-12-01`, `2026-12-01..2026-12-02`, ...; the parameter's own
 * description links it, and github/rest-api-description#2195 and #2542 show
 * it in use). Only the sandbox's validation drops the format: the committed
 * spec stays as GitHub publishes it, and routes/actions.ts parses the value
 * (dateQuery.ts).
 */
function relaxSearchSyntax(definition: Document): Document {
  const created = definition.components?.parameters?.created as
    | { schema?: Record<string, unknown> }
    | undefined;
  if (created?.schema) created.schema = { type: 'string' };
  return definition;
}

let operations:
  | { pathTemplates: Record<string, string>; methods: Record<string, string> }
  | undefined;

/** operationId → path template and method, read synchronously (for route registration). */
export function readOperations() {
  if (!operations) {
    const spec = JSON.parse(fs.readFileSync(GITHUB_SPEC_PATH, 'utf8')) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    operations = { pathTemplates: {}, methods: {} };
    for (const [p, item] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!op?.operationId) continue;
        operations.pathTemplates[op.operationId] = p;
        operations.methods[op.operationId] = method;
      }
    }
  }
  return operations;
}

type Validator = (value: unknown) => SchemaError[];

/**
 * Validates requests (and, for tests, responses) against GitHub's published
 * OpenAPI description, by operationId.
 */
export class GitHubSpec {
  private constructor(private readonly api: OpenAPIBackend) {}

  private static loaded?: Promise<GitHubSpec>;

  /** Loaded and compiled once per process: compiling the validators takes a moment. */
  static load(): Promise<GitHubSpec> {
    GitHubSpec.loaded ??= (async () => {
      const definition = relaxSearchSyntax(
        normalizeSchema(
          JSON.parse(fs.readFileSync(GITHUB_SPEC_PATH, 'utf8')),
        ) as Document,
      );
      const api = new OpenAPIBackend({
        definition,
        strict: false,
        validate: true,
        quick: true,
        coerceTypes: true,
        ajvOpts: { logger: false, allErrors: true },
        customizeAjv: ajv => {
          ajv.addFormat('date-time', DATE_TIME);
          ajv.addFormat('uri', (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s));
          ajv.addFormat('email', /^\S+@\S+$/);
          ajv.addFormat('uri-template', true);
          ajv.addFormat('repo.nwo', /^[^/\s]+\/[^/\s]+$/);
          return ajv;
        },
      });
      await api.init();
      return new GitHubSpec(api);
    })();
    return GitHubSpec.loaded;
  }

  hasOperation(operationId: string): boolean {
    return Boolean(this.api.getOperation(operationId));
  }

  /** The operation's path template, e.g. `/repos/{owner}/{repo}/contents/{path}`. */
  pathTemplate(operationId: string): string {
    const op = this.api.getOperation(operationId);
    if (!op) throw new Error(`Unknown GitHub operation ${operationId}`);
    return op.path;
  }

  /** GitHub's documentation page for the operation (used in error bodies). */
  documentationUrl(operationId: string): string | undefined {
    const op = this.api.getOperation(operationId) as
      | { externalDocs?: { url?: string } }
      | undefined;
    return op?.externalDocs?.url;
  }

  /** Whether the description documents `status` for the operation. */
  declaresStatus(operationId: string, status: number): boolean {
    const op = this.api.getOperation(operationId);
    return Boolean(op?.responses && String(status) in op.responses);
  }

  validateRequest(
    operationId: string,
    request: {
      method: string;
      pathParams: Record<string, string>;
      query: Record<string, unknown>;
      headers: Record<string, string | string[] | undefined>;
      body: unknown;
    },
  ): SchemaError[] {
    // Path params are encoded one per segment so values with '/' (file paths,
    // refs) line up with the template whatever the client sent.
    const concrete = this.pathTemplate(operationId).replace(
      /\{([^}]+)\}/g,
      (_, name: string) =>
        encodeURIComponent(request.pathParams[name] ?? '') || '%20',
    );
    const result = this.api.validateRequest(
      {
        method: request.method.toLowerCase(),
        path: concrete,
        query: request.query as Record<string, string>,
        headers: request.headers as Record<string, string>,
        body: request.body,
      },
      operationId,
    );
    return (result.errors ?? [])
      .filter(
        e =>
          !e.instancePath.startsWith('/path/') &&
          !e.instancePath.startsWith('/params'),
      )
      .map(e => ({
        field:
          e.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'request',
        message: `${
          e.instancePath
            ? `${e.instancePath.replace(/^\//, '').replace(/\//g, '.')} `
            : ''
        }${e.message ?? 'is invalid'}`,
      }));
  }

  validateResponse(
    operationId: string,
    status: number,
    body: unknown,
  ): SchemaError[] {
    const op = this.api.getOperation(operationId);
    const response = op?.responses?.[String(status)] as
      | { content?: unknown }
      | undefined;
    if (body === undefined) {
      // A body-less answer is right when GitHub documents none for the status.
      return response && !response.content
        ? []
        : [
            {
              field: 'response',
              message: `response has no body, but GitHub documents one for ${status}`,
            },
          ];
    }
    const result = this.api.validateResponse(body, operationId, status);
    return (result.errors ?? []).map(e => ({
      field: `response${e.instancePath.replace(/\//g, '.')}`,
      message: `response${e.instancePath.replace(/\//g, '.')} ${
        e.message ?? 'is invalid'
      }${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
    }));
  }

  /** A validator bound to one response of one operation (for tests). */
  responseValidator(operationId: string, status: number): Validator {
    return body => this.validateResponse(operationId, status, body);
  }
}
