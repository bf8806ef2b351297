/**
 * Per-key leading + trailing throttle: the first hit of a key fires at once
 * (a lone change reaches the page without delay), hits within the next
 * `windowMs` are gathered into one firing at the window's end (a burst of
 * watch events becomes two signals, a steady stream one per window).
 */
export class Throttle {
  private readonly windows = new Map<
    string,
    { timer: NodeJS.Timeout; pending?: () => void }
  >();

  constructor(private readonly windowMs: number) {}

  hit(key: string, fire: () => void): void {
    const open = this.windows.get(key);
    if (open) {
      open.pending = fire;
      return;
    }
    fire();
    this.open(key);
  }

  /** Drops what is pending (shutdown). */
  stop(): void {
    for (const { timer } of this.windows.values()) clearTimeout(timer);
    this.windows.clear();
  }

  private open(key: string) {
    const timer = setTimeout(() => {
      const pending = this.windows.get(key)?.pending;
      this.windows.delete(key);
      if (pending) {
        pending();
        this.open(key);
      }
    }, this.windowMs);
    timer.unref?.();
    this.windows.set(key, { timer });
  }
}
