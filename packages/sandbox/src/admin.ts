import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { SandboxClock } from './clock';
import type { FaultRegistry, FaultSpec } from './faults';
import type { RequestCounter } from './requests';

const service = z.enum(['github', 'kubernetes', 'argocd', 'argo']);
const count = z.number().int().positive().optional();

/** FaultSpec (faults.ts) as a zod schema: the admin API refuses anything else with 400. */
export const faultSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('http-error'),
    service,
    status: z.number().int().min(400).max(599).optional(),
    cluster: z.string().optional(),
    pathPrefix: z.string().optional(),
    method: z.string().optional(),
    count,
  }),
  z.strictObject({
    kind: z.literal('rate-limit'),
    service: z.literal('github').optional(),
    retryAfterSeconds: z.number().int().nonnegative().optional(),
    pathPrefix: z.string().optional(),
    count,
  }),
  z.strictObject({
    kind: z.literal('slow'),
    service,
    delayMs: z.number().int().nonnegative().max(600_000),
    cluster: z.string().optional(),
    pathPrefix: z.string().optional(),
    count,
  }),
  // GitHub as a whole, or one cluster's APIs (all of them, or one service).
  z
    .strictObject({
      kind: z.literal('down'),
      service: service.optional(),
      cluster: z.string().min(1).optional(),
    })
    .refine(f => f.cluster !== undefined || f.service === 'github', {
      message: 'a down fault names a cluster, or service "github"',
    }),
  z.strictObject({
    kind: z.literal('workflow-step-fails'),
    template: z.string().optional(),
    step: z.string().optional(),
    message: z.string().optional(),
    count,
  }),
  z.strictObject({
    kind: z.literal('build-fails'),
    instance: z.string().optional(),
    count,
  }),
  z.strictObject({
    kind: z.literal('rollout-fails'),
    instance: z.string().optional(),
    image: z.string().min(1).optional(),
    count,
  }),
  z.strictObject({
    kind: z.literal('backup-fails'),
    cluster: z.string().optional(),
    schedule: z.string().optional(),
    namespace: z.string().optional(),
    phase: z.enum(['Failed', 'PartiallyFailed']).optional(),
    message: z.string().optional(),
    count,
  }),
]) satisfies z.ZodType<FaultSpec>;

const clockBody = z.strictObject({
  speed: z.number().positive().max(100_000).optional(),
  advanceMs: z.number().int().nonnegative().optional(),
});

const loadBody = z.strictObject({
  cluster: z.string().min(1),
  namespace: z.string().min(1).optional(),
  load: z.number().min(0).max(2),
});

export interface AdminDeps {
  clock: SandboxClock;
  faults: FaultRegistry;
  /** What `/state` reports (URLs, clusters, tokens). */
  state: () => unknown;
  /** Sets the simulated load of a cluster (one namespace, or all); false when the cluster is unknown. */
  setLoad: (cluster: string, load: number, namespace?: string) => boolean;
  loads: () => unknown;
  /** Requests served per service, cluster, method and route (requests.ts). */
  requests?: RequestCounter;
}

const isLoopback = (address: string | undefined) =>
  !!address &&
  (address === '::1' ||
    address.startsWith('127.') ||
    address.startsWith('::ffff:127.'));

function badRequest(res: Response, error: z.ZodError) {
  res.status(400).json({
    message: 'Invalid request body',
    issues: error.issues.map(i => ({
      path: i.path.join('.'),
      message: i.message,
    })),
  });
}

/** The sandbox's control API, mounted at `/_sandbox` (no auth: loopback only). */
export function createAdminApi(deps: AdminDeps): express.Router {
  const router = express.Router();
  router.use((req: Request, res: Response, next) => {
    if (!isLoopback(req.socket.remoteAddress)) {
      res.status(403).json({
        message: 'The sandbox admin API only answers loopback clients',
      });
      return;
    }
    next();
  });
  router.use(express.json());

  router.get('/state', (_req, res) => {
    res.json(deps.state());
  });

  router.get('/faults', (_req, res) => {
    res.json({ items: deps.faults.list() });
  });
  router.post('/faults', (req, res) => {
    const parsed = faultSpecSchema.safeParse(req.body);
    if (!parsed.success) {
      badRequest(res, parsed.error);
      return;
    }
    res.status(201).json(deps.faults.add(parsed.data as FaultSpec));
  });
  router.delete('/faults', (_req, res) => {
    deps.faults.clear();
    res.status(204).end();
  });
  router.delete('/faults/:id', (req, res) => {
    if (!deps.faults.remove(req.params.id)) {
      res.status(404).json({ message: `No fault ${req.params.id}` });
      return;
    }
    res.status(204).end();
  });

  const clockState = () => ({
    now: deps.clock.now().toISOString(),
    nowMs: deps.clock.nowMs(),
    speed: deps.clock.getSpeed(),
  });
  router.get('/clock', (_req, res) => {
    res.json(clockState());
  });
  router.post('/clock', (req, res) => {
    const parsed = clockBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      badRequest(res, parsed.error);
      return;
    }
    if (parsed.data.speed !== undefined) deps.clock.setSpeed(parsed.data.speed);
    if (parsed.data.advanceMs) deps.clock.advance(parsed.data.advanceMs);
    res.json(clockState());
  });

  router.get('/load', (_req, res) => {
    res.json(deps.loads());
  });
  router.post('/load', (req, res) => {
    const parsed = loadBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      badRequest(res, parsed.error);
      return;
    }
    const { cluster, load, namespace } = parsed.data;
    if (!deps.setLoad(cluster, load, namespace)) {
      res.status(404).json({ message: `No cluster ${cluster}` });
      return;
    }
    res.json(deps.loads());
  });

  const requests = deps.requests;
  if (requests) {
    router.get('/requests', (_req, res) => {
      res.json(requests.snapshot());
    });
    router.delete('/requests', (_req, res) => {
      requests.reset();
      res.status(204).end();
    });
  }

  router.use((_req, res) => {
    res.status(404).json({ message: 'Not Found' });
  });
  router.use(
    (
      err: unknown,
      _req: Request,
      res: Response,
      _next: (e?: unknown) => void,
    ) => {
      res.status(400).json({
        message: `Invalid request: ${
          err instanceof Error ? err.message : String(err)
        }`,
      });
    },
  );
  return router;
}
