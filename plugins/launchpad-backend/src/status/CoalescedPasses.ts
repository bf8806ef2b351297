/**
 * Per-key passes over what a watch changed: `schedule(key)` gathers the hits
 * of `delayMs` into one pass (watch events come in bursts), and passes of one
 * key never overlap (a hit during a pass schedules the next). The history
 * recorder and the notifier both evaluate a cluster this way.
 */
export class CoalescedPasses {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly delayMs: number,
    private readonly pass: (key: string) => Promise<void>,
  ) {}

  /** A pass of `key` after the delay, unless one is already scheduled. */
  schedule(key: string): void {
    if (this.stopped || this.timers.has(key)) return;
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        // The pass reports its own failures; a rejection must not go unhandled.
        this.run(key).catch(() => undefined);
      }, this.delayMs),
    );
  }

  /** A pass of `key` now, after the one running (a failing pass is the callback's to report). */
  run(key: string): Promise<void> {
    const previous = this.running.get(key) ?? Promise.resolve();
    const next = previous.then(() =>
      this.stopped ? undefined : this.pass(key),
    );
    const settled = next.catch(() => undefined);
    this.running.set(key, settled);
    return next;
  }

  /** Runs the scheduled passes now (tests; shutdown). */
  async flush(): Promise<void> {
    for (const [key, timer] of this.timers) {
      clearTimeout(timer);
      this.timers.delete(key);
      await this.run(key);
    }
    await this.idle();
  }

  /** Drops scheduled passes and waits for the running ones. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await this.idle();
  }

  private async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }
}
