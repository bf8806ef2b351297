/**
 * The sandbox's simulated clock. Controllers schedule work in simulated time;
 * `speed` compresses it (speed 60 = one simulated minute per real second) and
 * tests can `advance()` it to fire due timers at once, so state machines are
 * observable through the APIs without waiting.
 */
export interface ClockTimer {
  cancel(): void;
}

interface PendingTimer {
  id: number;
  due: number;
  fn: () => void;
  every?: number;
}

export class SandboxClock {
  private readonly realStart = Date.now();
  private readonly simStart: number;
  private offset = 0;
  private timers: PendingTimer[] = [];
  private nextId = 1;
  private ticker?: NodeJS.Timeout;

  constructor(
    private speed = 1,
    options: { start?: Date; tickMs?: number } = {},
  ) {
    this.simStart = options.start?.getTime() ?? this.realStart;
    this.ticker = setInterval(() => this.fireDue(), options.tickMs ?? 50);
    this.ticker.unref();
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  nowMs(): number {
    return (
      this.simStart + (Date.now() - this.realStart) * this.speed + this.offset
    );
  }

  getSpeed(): number {
    return this.speed;
  }

  /** Changes the speed without jumping: simulated "now" stays where it is. */
  setSpeed(speed: number): void {
    const now = this.nowMs();
    this.speed = speed;
    this.offset += now - this.nowMs();
  }

  /** Runs `fn` once, `simMs` of simulated time from now. */
  after(simMs: number, fn: () => void): ClockTimer {
    return this.schedule(simMs, fn);
  }

  /** Runs `fn` every `simMs` of simulated time. */
  every(simMs: number, fn: () => void): ClockTimer {
    return this.schedule(simMs, fn, simMs);
  }

  /** Jumps simulated time forward and fires every timer that fell due. */
  advance(simMs: number): void {
    this.offset += simMs;
    this.fireDue();
  }

  /** Stops the ticker and drops all timers (call on shutdown). */
  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.timers = [];
  }

  private schedule(simMs: number, fn: () => void, every?: number): ClockTimer {
    const timer = { id: this.nextId++, due: this.nowMs() + simMs, fn, every };
    this.timers.push(timer);
    return {
      cancel: () => {
        this.timers = this.timers.filter(t => t.id !== timer.id);
      },
    };
  }

  private fireDue(): void {
    const now = this.nowMs();
    // Fire in due order; a periodic timer that fell due several times (after a
    // large advance) fires once per period so backups etc. are not skipped.
    for (;;) {
      const due = this.timers
        .filter(t => t.due <= now)
        .sort((a, b) => a.due - b.due)[0];
      if (!due) return;
      if (due.every && due.every > 0) {
        due.due += due.every;
      } else {
        this.timers = this.timers.filter(t => t.id !== due.id);
      }
      try {
        due.fn();
      } catch {
        // A controller bug must not stop the clock; controllers log their own errors.
      }
    }
  }
}
