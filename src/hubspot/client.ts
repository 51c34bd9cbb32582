import { Client } from '@hubspot/api-client';
import type { z } from 'zod';
import { type Clock, systemClock } from '../clock';
import type { Logger } from '../logger';
import {
  HubSpotApiError,
  HubSpotAuthError,
  HubSpotDailyLimitError,
  HubSpotMissingScopesError,
  HubSpotUnavailableError,
  hubSpotErrorBodySchema,
  scopesFrom,
  type HubSpotErrorBody,
} from './errors';
import { RollingWindowLimiter } from './limiter';

export const HUBSPOT_API_ORIGIN = 'https://api.hubapi.com';

export interface HubSpotOptions {
  /** HubSpot's API origin, or any stand-in for it (a proxy, the local CRM sandbox). */
  baseUrl: string;
  accessToken: string;
  /** Requests per rolling 10 s for the app: 190 on Professional/Enterprise, 100 Free/Starter, 250 with the add-on. */
  requestsPer10s?: number;
  /** CRM search requests per second: 5 per app. */
  searchRequestsPerSecond?: number;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  logger?: Logger;
}

export interface RetryPolicy {
  /** Attempts for 5xx and network errors, the first included. */
  maxAttempts: number;
  /** Attempts for 429s of the rolling and secondly policies, which pass by themselves. */
  maxRateLimitedAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A request with no answer after this long is abandoned and retried like a network error. */
  timeoutMs: number;
  random: () => number;
}

const defaultRetry: RetryPolicy = {
  maxAttempts: 6,
  maxRateLimitedAttempts: 12,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  timeoutMs: 30_000,
  random: Math.random,
};

export interface HubSpotRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  qs?: Record<string, string | number | boolean | undefined>;
}

/** What a request came back with: a 2xx body, or a 207 multi-status body for batch calls. */
export interface HubSpotResponse<T> {
  status: number;
  body: T;
}

/**
 * The error budget of this client, per attempt (one HTTP exchange) unless said otherwise. Every attempt ends one
 * way, so calls = succeeded + (sum of rateLimited) + serverErrors + networkErrors + rejected, and each attempt
 * after a request's first is a retry. HubSpot wants error answers under 5% of a day's requests
 * (https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details).
 */
export interface HubSpotCallStats {
  /** Attempts sent, retries included. */
  calls: number;
  /** Attempts at a request that changes data (isWriteRequest), retries included. */
  writes: number;
  /** Attempts answered 2xx (207 included). */
  succeeded: number;
  /** Attempts sent again after a retryable failure. */
  retries: number;
  /** 429s by policyName: TEN_SECONDLY_ROLLING, SECONDLY, DAILY (UNKNOWN when the body names none). */
  rateLimited: Record<string, number>;
  /** 5xx answers; by status in serverErrorsByStatus. */
  serverErrors: number;
  serverErrorsByStatus: Record<string, number>;
  /** Attempts with no HTTP answer: timeouts + connectionResets + otherNetworkErrors. */
  networkErrors: number;
  /** No answer within retry.timeoutMs. */
  timeouts: number;
  /** The connection was reset or closed before an answer (ECONNRESET, EPIPE, "socket hang up"). */
  connectionResets: number;
  otherNetworkErrors: number;
  /** Attempts answered with an error that retrying does not fix (4xx but 429): never retried. */
  rejected: number;
  /** Requests (not attempts) abandoned because their attempts ran out: each threw HubSpotUnavailableError. */
  gaveUp: number;
}

interface FetchResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** Requests that change nothing in HubSpot even though they are POSTs. */
export function isWriteRequest(method: string, path: string): boolean {
  if (method === 'GET') return false;
  return !/\/(search|batch\/read)$/.test(path) && !path.startsWith('/oauth/');
}

export function isSearchRequest(method: string, path: string): boolean {
  return method === 'POST' && /^\/crm\/v3\/objects\/[^/]+\/search$/.test(path);
}

/** Thrown by withTimeout: told apart from other network errors in the stats. */
class NoAnswerInTime extends Error {}

type NetworkCause = 'timeouts' | 'connectionResets' | 'otherNetworkErrors';

/** node-fetch reports the socket's error code on its FetchError (`code`); a reset shows as ECONNRESET. */
function networkCause(error: unknown): NetworkCause {
  if (error instanceof NoAnswerInTime) return 'timeouts';
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : '';
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(message)) return 'connectionResets';
  return 'otherNetworkErrors';
}

class Retryable extends Error {
  constructor(
    readonly problem: string,
    readonly delayMs: number | undefined,
    readonly rateLimited: boolean,
    readonly policy?: string,
  ) {
    super(problem);
  }
}

/**
 * The one place the HubSpot client is built, with the one limiter and retry policy for the whole process.
 *
 * @hubspot/api-client keeps its Bottleneck limiter and retry decorator in a process-wide singleton that each new
 * Client resets, counts "retries" as attempts and never reads Retry-After (DESIGN.md). So the Client is built with
 * neither, and every call goes through `request`, which owns rate limiting, retries and error translation.
 */
export class HubSpot {
  readonly baseUrl: string;
  private readonly client: Client;
  private readonly limiter: RollingWindowLimiter;
  private readonly searchLimiter: RollingWindowLimiter;
  private readonly retry: RetryPolicy;
  private readonly clock: Clock;
  private readonly logger: Logger | undefined;
  private readonly counters: HubSpotCallStats = {
    calls: 0,
    writes: 0,
    succeeded: 0,
    retries: 0,
    rateLimited: {},
    serverErrors: 0,
    serverErrorsByStatus: {},
    networkErrors: 0,
    timeouts: 0,
    connectionResets: 0,
    otherNetworkErrors: 0,
    rejected: 0,
    gaveUp: 0,
  };

  constructor(options: HubSpotOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.retry = { ...defaultRetry, ...options.retry };
    this.limiter = new RollingWindowLimiter(options.requestsPer10s ?? 190, 10_000, this.clock);
    this.searchLimiter = new RollingWindowLimiter(options.searchRequestsPerSecond ?? 5, 1_000, this.clock);
    this.client = new Client({ accessToken: options.accessToken, basePath: this.baseUrl, numberOfApiCallRetries: 0 });
  }

  /**
   * This process is one of `parts` spending the portal's budget (several server processes, or a backfill beside the
   * server): each takes an equal part of both the 10-second and the search budget.
   */
  shareBudget(parts: number): void {
    this.limiter.setShare(parts);
    this.searchLimiter.setShare(parts);
  }

  /** Requests per 10 s this process may make now: its part of the portal's budget. */
  requestsPer10s(): number {
    return this.limiter.limit;
  }

  stats(): HubSpotCallStats {
    return {
      ...this.counters,
      rateLimited: { ...this.counters.rateLimited },
      serverErrorsByStatus: { ...this.counters.serverErrorsByStatus },
    };
  }

  /** Sends one request (with limiting and retries) and validates a 2xx body with `schema`. */
  async request<S extends z.ZodType>(spec: HubSpotRequest, schema: S): Promise<z.infer<S>> {
    const response = await this.send(spec, schema);
    return response.body;
  }

  /** Like `request`, also returning the status: batch calls answer 207 when some items failed. */
  async send<S extends z.ZodType>(spec: HubSpotRequest, schema: S): Promise<HubSpotResponse<z.infer<S>>> {
    const where = { method: spec.method, path: spec.path };
    const search = isSearchRequest(spec.method, spec.path);
    let attempts = 0;
    let rateLimitedAttempts = 0;
    for (;;) {
      attempts += 1;
      const releaseSearch = search ? await this.searchLimiter.acquire() : undefined;
      const release = await this.limiter.acquire();
      try {
        const { status, text } = await this.once(spec).finally(() => {
          release();
          releaseSearch?.();
        });
        const body: unknown = text === '' ? undefined : JSON.parse(text);
        const parsed = schema.safeParse(body);
        if (!parsed.success) {
          throw new HubSpotApiError(
            status,
            {},
            where,
            `HubSpot's answer to ${spec.method} ${spec.path} did not have the expected shape: ${parsed.error.issues
              .slice(0, 3)
              .map((i) => `${i.path.join('.')}: ${i.message}`)
              .join('; ')}`,
          );
        }
        return { status, body: parsed.data };
      } catch (error) {
        if (!(error instanceof Retryable)) throw error;
        if (error.rateLimited) rateLimitedAttempts += 1;
        const limit = error.rateLimited ? this.retry.maxRateLimitedAttempts : this.retry.maxAttempts;
        const used = error.rateLimited ? rateLimitedAttempts : attempts - rateLimitedAttempts;
        if (used >= limit) {
          this.counters.gaveUp += 1;
          throw new HubSpotUnavailableError(where, attempts, error.problem);
        }
        const delay = error.delayMs ?? this.backoff(used);
        this.counters.retries += 1;
        this.logger?.warn({ method: spec.method, path: spec.path, attempt: attempts, delayMs: delay, problem: error.problem }, 'retrying HubSpot request');
        if (error.rateLimited) {
          // The budget is shared by every request of this app: hold them all, not just this one.
          (error.policy === 'SECONDLY' ? this.searchLimiter : this.limiter).pause(delay);
        } else {
          await this.clock.sleep(delay);
        }
      }
    }
  }

  /** Capped exponential backoff with full jitter. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (this.retry.random() * ceiling) / 2);
  }

  /** One HTTP exchange through @hubspot/api-client: a 2xx/207 answer, a Retryable, or a typed HubSpot error. */
  private async once(spec: HubSpotRequest): Promise<{ status: number; text: string }> {
    const where = { method: spec.method, path: spec.path };
    this.counters.calls += 1;
    if (isWriteRequest(spec.method, spec.path)) this.counters.writes += 1;
    const qs = spec.qs
      ? Object.fromEntries(Object.entries(spec.qs).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]))
      : undefined;
    let response: FetchResponse;
    let text: string;
    try {
      ({ response, text } = await this.withTimeout(async () => {
        const answer = (await this.client.apiRequest({
          method: spec.method,
          path: spec.path,
          ...(spec.body === undefined ? {} : { body: spec.body }),
          ...(qs ? { qs } : {}),
        })) as unknown as FetchResponse;
        return { response: answer, text: await answer.text() };
      }));
    } catch (error) {
      this.counters.networkErrors += 1;
      this.counters[networkCause(error)] += 1;
      const cause = error instanceof Error ? error.message : String(error);
      throw new Retryable(`network error: ${cause}`, undefined, false);
    }
    this.followRateHeaders(response.headers);
    if (response.status >= 200 && response.status < 300) {
      this.counters.succeeded += 1;
      return { status: response.status, text };
    }

    const body = parseErrorBody(text);
    if (response.status === 429) {
      const policy = body.policyName ?? 'UNKNOWN';
      this.counters.rateLimited[policy] = (this.counters.rateLimited[policy] ?? 0) + 1;
      if (policy === 'DAILY') throw new HubSpotDailyLimitError(response.status, body, where);
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      const delay = retryAfter ?? (policy === 'SECONDLY' ? 1_000 : undefined);
      throw new Retryable(`429 ${policy}`, delay, true, policy);
    }
    if (response.status >= 500) {
      this.counters.serverErrors += 1;
      const byStatus = this.counters.serverErrorsByStatus;
      byStatus[response.status] = (byStatus[response.status] ?? 0) + 1;
      throw new Retryable(`${response.status} ${body.category ?? body.message ?? 'server error'}`, undefined, false);
    }
    this.counters.rejected += 1;
    if (response.status === 401) throw new HubSpotAuthError(response.status, body, where);
    if (response.status === 403 && body.category === 'MISSING_SCOPES') {
      throw new HubSpotMissingScopesError(scopesFrom(body), response.status, body, where);
    }
    throw new HubSpotApiError(response.status, body, where);
  }

  /**
   * HubSpot reports the app's budget on each non-search answer (X-HubSpot-RateLimit-Max / -Remaining /
   * -Interval-Milliseconds). A lower Max than configured (a Starter portal) lowers our limit; Remaining 0 (another
   * process or app sharing the budget) holds requests for a moment instead of spending attempts on 429s.
   * https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details#rate-limit-headers
   */
  private followRateHeaders(headers: FetchResponse['headers']): void {
    const max = Number(headers.get('x-hubspot-ratelimit-max'));
    const interval = Number(headers.get('x-hubspot-ratelimit-interval-milliseconds'));
    const remaining = headers.get('x-hubspot-ratelimit-remaining');
    if (max > 0 && interval === 10_000) this.limiter.lowerLimit(max);
    if (remaining !== null && Number(remaining) <= 0 && interval > 0) this.limiter.pause(Math.min(interval, 1_000));
  }

  private async withTimeout<T>(work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NoAnswerInTime(`no answer within ${this.retry.timeoutMs} ms`)), this.retry.timeoutMs);
    });
    try {
      return await Promise.race([work(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function parseErrorBody(text: string): HubSpotErrorBody {
  try {
    const parsed = hubSpotErrorBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : { message: text.slice(0, 200) };
  } catch {
    return { message: text.slice(0, 200) };
  }
}

/** Retry-After is seconds or an HTTP date (RFC 9110 section 10.2.3). */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
