import { PORTAL_TIME_ZONE } from './catalog';

/**
 * HubSpot's API limits for one app, as documented in
 * https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details:
 * - TEN_SECONDLY_ROLLING: requests per rolling 10 seconds (190 on Professional and Enterprise);
 * - SECONDLY: the CRM search endpoints, 5 requests per second, counted apart from the rolling limit;
 * - DAILY: requests per day, reset at midnight in the portal's time zone.
 * Every request over a limit is answered 429 and counts towards nothing.
 */
export interface RateLimits {
  requestsPer10s: number;
  searchRequestsPerSecond: number;
  dailyLimit: number;
  windowMs: number;
}

export type RateLimitPolicy = 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY';

/** The 429 messages HubSpot sends; @hubspot/api-client compares the secondly one verbatim to decide on retries. */
export const RATE_LIMIT_MESSAGES: Record<RateLimitPolicy, string> = {
  TEN_SECONDLY_ROLLING: 'You have reached your ten_secondly_rolling limit.',
  SECONDLY: 'You have reached your secondly limit.',
  DAILY: 'You have reached your daily limit.',
};

const SECOND_MS = 1000;

/** Timestamps in a sliding window: pruned from the front as they fall out of it. */
class SlidingWindow {
  private readonly times: number[] = [];
  private start = 0;

  count(now: number, windowMs: number): number {
    while (this.start < this.times.length && (this.times[this.start] ?? Infinity) <= now - windowMs) this.start += 1;
    // Drop the consumed prefix now and then so the array does not grow without bound.
    if (this.start > 1024) {
      this.times.splice(0, this.start);
      this.start = 0;
    }
    return this.times.length - this.start;
  }

  /** How many of the kept timestamps fall in the last `ms`. */
  countWithin(now: number, ms: number): number {
    let n = 0;
    for (let i = this.times.length - 1; i >= this.start && (this.times[i] ?? -Infinity) > now - ms; i -= 1) n += 1;
    return n;
  }

  add(now: number): void {
    this.times.push(now);
  }
}

const dayFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: PORTAL_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

export class RateLimiter {
  private readonly general = new SlidingWindow();
  private readonly search = new SlidingWindow();
  private day = '';
  private dailyUsed = 0;

  constructor(private limits: RateLimits) {}

  setLimits(changes: Partial<RateLimits>): void {
    this.limits = { ...this.limits, ...changes };
  }

  currentLimits(): RateLimits {
    return { ...this.limits };
  }

  /** Admits a request (and counts it) or names the policy it breaks. */
  admit(kind: 'general' | 'search', now: number): RateLimitPolicy | undefined {
    this.rollDay(now);
    if (this.dailyUsed >= this.limits.dailyLimit) return 'DAILY';
    if (kind === 'search') {
      if (this.search.count(now, SECOND_MS) >= this.limits.searchRequestsPerSecond) return 'SECONDLY';
      this.search.add(now);
    } else {
      if (this.general.count(now, this.limits.windowMs) >= this.limits.requestsPer10s) return 'TEN_SECONDLY_ROLLING';
      this.general.add(now);
    }
    this.dailyUsed += 1;
    return undefined;
  }

  /**
   * The X-HubSpot-RateLimit-* headers of a response, as documented (usage-details, "Rate limit headers"):
   * Daily/Daily-Remaining, Interval-Milliseconds/Max/Remaining for the rolling window, and the deprecated
   * Secondly/Secondly-Remaining (the rolling limit spread over its seconds). Search responses carry none of them.
   */
  headers(now: number): Record<string, string> {
    this.rollDay(now);
    const { requestsPer10s, dailyLimit, windowMs } = this.limits;
    const secondly = Math.max(1, Math.floor(requestsPer10s / Math.max(1, windowMs / SECOND_MS)));
    const used = this.general.count(now, windowMs);
    return {
      'X-HubSpot-RateLimit-Daily': String(dailyLimit),
      'X-HubSpot-RateLimit-Daily-Remaining': String(Math.max(0, dailyLimit - this.dailyUsed)),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(windowMs),
      'X-HubSpot-RateLimit-Max': String(requestsPer10s),
      'X-HubSpot-RateLimit-Remaining': String(Math.max(0, requestsPer10s - used)),
      'X-HubSpot-RateLimit-Secondly': String(secondly),
      'X-HubSpot-RateLimit-Secondly-Remaining': String(
        Math.max(0, secondly - this.general.countWithin(now, SECOND_MS)),
      ),
    };
  }

  private rollDay(now: number): void {
    const day = dayFormat.format(now);
    if (day !== this.day) {
      this.day = day;
      this.dailyUsed = 0;
    }
  }
}
