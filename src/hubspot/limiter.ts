import type { Clock } from '../clock';

/** Call when the request's answer has come back (or it failed): from then on its slot ages out of the window. */
export type Release = () => void;

/**
 * A rolling-window limiter: at most `limit` requests in any window of `windowMs`, as HubSpot counts them
 * (TEN_SECONDLY_ROLLING is a rolling window, so a fixed-window reservoir could let twice the budget through across
 * a boundary). https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details
 *
 * A request holds its slot from the moment it is granted until `windowMs` after its answer came back. HubSpot
 * counts a request when it arrives, which is after it was sent and before it was answered; counting it until an
 * answer-anchored window ends is therefore never less than what HubSpot counts, however long the request travelled
 * or waited in a busy event loop. It costs one round trip per window (2-3% at HubSpot's latencies).
 */
export class RollingWindowLimiter {
  /** Times answers came back, oldest first (release stamps the clock, which only moves forward). */
  private readonly answered: number[] = [];
  private head = 0;
  private inFlight = 0;
  private readonly waiters: Array<(release: Release) => void> = [];
  private pumping = false;
  private pausedUntil = 0;
  /** Processes spending the same budget, this one included: each takes an equal part (setShare). */
  private parts = 1;

  constructor(
    /** The budget of the whole window: as configured, or lower when HubSpot says so (lowerLimit). */
    private budget: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  /** This process's part of the budget: at least one request per window, so no process ever stalls. */
  get limit(): number {
    return Math.max(1, Math.floor(this.budget / this.parts));
  }

  /** Resolves when a request may be sent, with the function to call when it is answered; FIFO. */
  acquire(): Promise<Release> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      void this.pump();
    });
  }

  /** Holds every grant until `ms` from now: after HubSpot says the shared budget is spent, nobody should try. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  /** Never raises the budget: the configured one is a ceiling the operator chose. */
  lowerLimit(limit: number): void {
    if (limit >= 1 && limit < this.budget) this.budget = limit;
  }

  /**
   * Shares the budget equally among `parts` processes (src/sync/budgetShare.ts counts them). Slots already taken stay
   * taken: a smaller share holds new grants until the window has room for them, and a larger one is used from the
   * next moment a slot frees (at most one window later).
   */
  setShare(parts: number): void {
    if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`a budget is shared by a whole number of processes, not ${parts}`);
    this.parts = parts;
    void this.pump();
  }

  /** Slots taken now: requests in flight and answers inside the window. */
  used(): number {
    this.expire(this.clock.now());
    return this.inFlight + this.answered.length - this.head;
  }

  private expire(now: number): void {
    while (this.head < this.answered.length && (this.answered[this.head] ?? 0) <= now - this.windowMs) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.answered.length) {
      this.answered.splice(0, this.head);
      this.head = 0;
    }
  }

  private grant(): Release {
    this.inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
      this.answered.push(this.clock.now());
      void this.pump();
    };
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiters.length > 0) {
        const now = this.clock.now();
        if (now < this.pausedUntil) {
          await this.clock.sleep(this.pausedUntil - now);
          continue;
        }
        if (this.used() < this.limit) {
          this.waiters.shift()?.(this.grant());
          continue;
        }
        const oldest = this.answered[this.head];
        // Every slot is held by a request still in flight: its release wakes the pump.
        if (oldest === undefined) return;
        await this.clock.sleep(oldest + this.windowMs - now + 1);
      }
    } finally {
      this.pumping = false;
    }
  }
}
