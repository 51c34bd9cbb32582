import type { Clock } from '../clock';

/**
 * A rolling-window limiter: at most `limit` grants in any window of `windowMs`, plus `marginMs` of slack so that
 * requests sent on the edge of a window cannot arrive inside it at HubSpot (network latency varies).
 * HubSpot counts the 10-second limit over a rolling window (TEN_SECONDLY_ROLLING), so a fixed-window reservoir
 * could let twice the budget through across a boundary; a log of grant times cannot.
 * https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details
 */
export class RollingWindowLimiter {
  private readonly grants: number[] = [];
  private head = 0;
  private readonly waiters: Array<() => void> = [];
  private pumping = false;
  private pausedUntil = 0;

  constructor(
    private limit: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
    private readonly marginMs = 0,
  ) {}

  /** Resolves when a request may be sent; callers are served in arrival order. */
  acquire(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      void this.pump();
    });
  }

  /** Holds every grant until `ms` from now: after HubSpot says the shared budget is spent, nobody should try. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  /** Never raises the limit: the configured budget is a ceiling the operator chose. */
  lowerLimit(limit: number): void {
    if (limit >= 1 && limit < this.limit) this.limit = limit;
  }

  /** Grants given within the current window (for status pages and tests). */
  inFlightWindow(): number {
    this.expire(this.clock.now());
    return this.grants.length - this.head;
  }

  private expire(now: number): void {
    const span = this.windowMs + this.marginMs;
    while (this.head < this.grants.length && (this.grants[this.head] ?? 0) <= now - span) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.grants.length) {
      this.grants.splice(0, this.head);
      this.head = 0;
    }
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
        this.expire(now);
        if (this.grants.length - this.head < this.limit) {
          this.grants.push(now);
          this.waiters.shift()?.();
          continue;
        }
        const oldest = this.grants[this.head] ?? now;
        await this.clock.sleep(oldest + this.windowMs + this.marginMs - now + 1);
      }
    } finally {
      this.pumping = false;
    }
  }
}
