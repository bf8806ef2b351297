import type { NextFunction, Request, Response } from 'express';

/** The services the sandbox serves; a fault targets one of them. */
export type SandboxService = 'github' | 'kubernetes' | 'argocd' | 'argo';

/**
 * Faults switchable at run time through the admin API.
 * - `http-error`: answer matching requests with a 5xx
 * - `rate-limit`: GitHub's secondary rate limit (403 + retry-after)
 * - `slow`: delay matching responses
 * - `down`: GitHub, or one cluster's APIs (all, or one service), drop every
 *   connection (the admin API stays up)
 * - `workflow-step-fails`: Argo workflows from `template` fail at `step`
 * - `build-fails`: Picasso builds (of `instance`, if given) fail
 * - `backup-fails`: Velero backups (of `cluster` / `schedule` / including
 *   `namespace`, if given) that
 *   finish end `Failed` (with `message` as failureReason) or `phase`
 * - `rollout-fails`: pods that start for Deployments (of namespace `instance`,
 *   if given) whose pod template has an image containing `image` (if given)
 *   go CrashLoopBackOff, so the rollout stalls and, after the Deployment's
 *   progress deadline, ArgoCD's health turns Degraded. The pods already
 *   running stay up (a rolling update keeps the old ReplicaSet). It lasts
 *   until the fault is removed (the crashing pods then come up at their next
 *   restart) or the Deployment's image changes to one that does not match
 *   (a rollback to the old ReplicaSet). `count` caps how many rollouts
 *   (ReplicaSets) it breaks; it is not retired by hits.
 */
export type FaultSpec =
  | {
      kind: 'http-error';
      service: SandboxService;
      status?: number;
      cluster?: string;
      pathPrefix?: string;
      method?: string;
      count?: number;
    }
  | {
      kind: 'rate-limit';
      service?: 'github';
      retryAfterSeconds?: number;
      pathPrefix?: string;
      count?: number;
    }
  | {
      kind: 'slow';
      service: SandboxService;
      delayMs: number;
      cluster?: string;
      pathPrefix?: string;
      count?: number;
    }
  // Names a cluster (its APIs, or one service of it), or service 'github'.
  | { kind: 'down'; service?: SandboxService; cluster?: string }
  | {
      kind: 'workflow-step-fails';
      template?: string;
      step?: string;
      message?: string;
      count?: number;
    }
  | { kind: 'build-fails'; instance?: string; count?: number }
  | { kind: 'rollout-fails'; instance?: string; image?: string; count?: number }
  | {
      kind: 'backup-fails';
      cluster?: string;
      schedule?: string;
      namespace?: string;
      phase?: 'Failed' | 'PartiallyFailed';
      message?: string;
      count?: number;
    };

export type Fault = FaultSpec & { id: string; hits: number };

export interface FaultTarget {
  service: SandboxService;
  cluster?: string;
  method?: string;
  path?: string;
}

export class FaultRegistry {
  private faults: Fault[] = [];
  private nextId = 1;

  private readonly addListeners = new Set<(fault: Fault) => void>();
  private readonly removeListeners = new Set<(fault: Fault) => void>();

  add(spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, id: `fault-${this.nextId++}`, hits: 0 };
    this.faults.push(fault);
    for (const listener of this.addListeners) listener(fault);
    return fault;
  }

  /** Called with each fault as it is added (the servers drop open connections on `down`). */
  onAdd(listener: (fault: Fault) => void): () => void {
    this.addListeners.add(listener);
    return () => this.addListeners.delete(listener);
  }

  /** Called with each fault as it goes (removed, cleared or used up); the kubelet heals `rollout-fails` pods. */
  onRemove(listener: (fault: Fault) => void): () => void {
    this.removeListeners.add(listener);
    return () => this.removeListeners.delete(listener);
  }

  remove(id: string): boolean {
    const gone = this.faults.filter(f => f.id === id);
    this.faults = this.faults.filter(f => f.id !== id);
    this.notifyRemoved(gone);
    return gone.length > 0;
  }

  clear(): void {
    const gone = this.faults;
    this.faults = [];
    this.notifyRemoved(gone);
  }

  private notifyRemoved(gone: Fault[]) {
    for (const fault of gone)
      for (const listener of this.removeListeners) listener(fault);
  }

  list(): Fault[] {
    return [...this.faults];
  }

  /**
   * Finds the first fault of `kind` that matches `matches`, counts a hit, and
   * retires it once its `count` is used up (no count = until removed).
   */
  take<K extends FaultSpec['kind']>(
    kind: K,
    matches: (fault: Extract<Fault, { kind: K }>) => boolean,
  ): Extract<Fault, { kind: K }> | undefined {
    const fault = this.faults.find(
      (f): f is Extract<Fault, { kind: K }> =>
        f.kind === kind && matches(f as Extract<Fault, { kind: K }>),
    );
    if (!fault) return undefined;
    fault.hits += 1;
    const count = 'count' in fault ? fault.count : undefined;
    if (count !== undefined && fault.hits >= count) this.remove(fault.id);
    return fault;
  }

  /** Whether an HTTP request to `target` matches a fault's scope. */
  static matchesTarget(
    fault: {
      service?: SandboxService;
      cluster?: string;
      pathPrefix?: string;
      method?: string;
    },
    target: FaultTarget,
  ): boolean {
    if (fault.service && fault.service !== target.service) return false;
    if (fault.cluster && fault.cluster !== target.cluster) return false;
    if (fault.pathPrefix && !target.path?.startsWith(fault.pathPrefix))
      return false;
    if (
      fault.method &&
      fault.method.toUpperCase() !== target.method?.toUpperCase()
    )
      return false;
    return true;
  }
}

/**
 * Express middleware applying the HTTP faults (down, http-error, slow) to one
 * service. `errorBody` shapes the error as that service would (GitHub's
 * `{message, documentation_url}`, a Kubernetes `Status`, ...). GitHub's rate
 * limit is applied by the GitHub router itself, which knows its headers.
 */
export function faultMiddleware(
  faults: FaultRegistry,
  service: SandboxService,
  cluster: string | undefined,
  errorBody: (status: number, message: string) => unknown,
) {
  return (req: Request, res: Response, next: NextFunction) => {
    const target: FaultTarget = {
      service,
      cluster,
      method: req.method,
      path: req.path,
    };
    const down = faults.take(
      'down',
      f => (!f.service || f.service === service) && f.cluster === cluster,
    );
    if (down) {
      // Drop the connection, as an unreachable server would.
      req.socket.destroy();
      return;
    }
    const error = faults.take('http-error', f =>
      FaultRegistry.matchesTarget(f, target),
    );
    if (error) {
      const status = error.status ?? 502;
      res
        .status(status)
        .json(
          errorBody(status, `Sandbox fault: ${service} answered ${status}`),
        );
      return;
    }
    const slow = faults.take('slow', f =>
      FaultRegistry.matchesTarget(f, target),
    );
    if (slow) {
      setTimeout(next, slow.delayMs);
      return;
    }
    next();
  };
}
