import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { systemClock } from '../../src/clock';
import type { Pool } from '../../src/store/postgres';
import { HubSpotError, invalidAuthentication, invalidInput, missingScopes, validationError } from './errors';
import { FaultPlan, faultLabel, faultPlanSchema, type Fault, type FaultRuleInput } from './faults';
import type { RequestContext } from './http';
import { RATE_LIMIT_MESSAGES, RateLimiter, type RateLimitPolicy, type RateLimits } from './rateLimit';
import { ROUTES, tokenInfoSchema, type RouteSpec } from './routes';
import { KNOWN_SCOPES } from './scopes';
import { StatsRecorder, type SandboxStats } from './stats';
import { SandboxStore } from './store';

/**
 * The local CRM sandbox: an HTTP double of the HubSpot endpoints Referralynx uses, answering with HubSpot's
 * documented behaviour (each handler cites what it follows), its data in PostgreSQL (schema crm_sandbox) so a restart
 * shows the same CRM. The demo and the tests drive it with the same @hubspot/api-client code a customer runs
 * against HubSpot.
 */

export type { SandboxStats } from './stats';
export type { FaultRuleInput } from './faults';

export interface SandboxOptions {
  /** The sandbox creates and migrates its own schema crm_sandbox on start (idempotent, under an advisory lock). */
  pool: Pool;
  /** Default 20261127. */
  portalId?: number;
  /** When set, any other bearer token gets HubSpot's 401; when unset, any bearer token is accepted. */
  token?: string;
  /** Scopes granted to the token; default: every scope the sandbox knows. */
  scopes?: string[];
  /** Default 190 (TEN_SECONDLY_ROLLING, rolling window). */
  requestsPer10s?: number;
  /** Default 5 (SECONDLY, applies to POST .../search). */
  searchRequestsPerSecond?: number;
  /** Default 1,000,000 (DAILY). */
  dailyLimit?: number;
  /** Default 10,000: the rolling window's length (tests may shorten it). */
  windowMs?: number;
}

export interface Sandbox {
  app: express.Express;
  stats(): SandboxStats;
  resetStats(): void;
  setLimits(
    limits: Partial<Pick<SandboxOptions, 'requestsPer10s' | 'searchRequestsPerSecond' | 'dailyLimit' | 'windowMs'>>,
  ): void;
  /** Replaces the fault plan (faults.ts); `[]` clears it. Throws on a malformed rule. */
  setFaults(rules: readonly FaultRuleInput[]): void;
  portalId: number;
}

export interface RunningSandbox extends Sandbox {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_PORTAL_ID = 20261127;

const limitsSchema = z
  .object({
    requestsPer10s: z.number().int().positive(),
    searchRequestsPerSecond: z.number().int().positive(),
    dailyLimit: z.number().int().positive(),
    windowMs: z.number().int().positive(),
  })
  .partial();

/** HubSpot's path template as an Express route: {objectType} becomes :objectType. */
const expressPath = (template: string) => template.replace(/\{(\w+)\}/g, ':$1');

/** What the request gates leave for the finish handler and the handler. */
interface Locals {
  at: number;
  route: string;
  correlationId: string;
  wrote: boolean;
  /** A fault to apply once the handler has run: the effect happened, the answer is lost. */
  faultAfter?: Fault;
}

const locals = (res: Response) => res.locals as Locals;

function sendError(res: Response, error: HubSpotError): void {
  res.status(error.httpStatus).json(error.toBody(locals(res).correlationId));
}

/** https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details ("Error responses"). */
function sendRateLimited(res: Response, policy: RateLimitPolicy): void {
  res.status(429).json({
    status: 'error',
    message: RATE_LIMIT_MESSAGES[policy],
    errorType: 'RATE_LIMIT',
    correlationId: locals(res).correlationId,
    policyName: policy,
    requestId: crypto.randomUUID(),
  });
}

/**
 * HubSpot documents 502/504 ("timeouts", its processing limits met) and 503 ("service temporarily unavailable") but
 * not their bodies (https://developers.hubspot.com/docs/api-reference/error-handling); they come in its usual error
 * shape here, whose fields a client must treat as optional anyway.
 */
const SERVER_ERRORS: Record<500 | 502 | 503 | 504, { category: string; message: string }> = {
  500: { category: 'INTERNAL_ERROR', message: 'internal error' },
  502: { category: 'BAD_GATEWAY', message: 'Bad Gateway: processing limits met; pause a few seconds, then retry.' },
  503: { category: 'SERVICE_UNAVAILABLE', message: 'Service temporarily unavailable; pause a few seconds, then retry.' },
  504: { category: 'GATEWAY_TIMEOUT', message: 'Gateway Timeout: processing limits met; pause a few seconds, then retry.' },
};

/** Ends the exchange without an answer, as a reset connection or a gateway that gave up does. */
function drop(res: Response): void {
  res.req.socket.destroy();
}

export async function createSandbox(options: SandboxOptions): Promise<Sandbox> {
  const portalId = options.portalId ?? DEFAULT_PORTAL_ID;
  const store = await SandboxStore.open(options.pool, portalId);
  const grantedScopes = options.scopes ?? [...KNOWN_SCOPES];
  const granted = new Set(grantedScopes);
  const stats = new StatsRecorder();
  const limiter = new RateLimiter({
    requestsPer10s: options.requestsPer10s ?? 190,
    searchRequestsPerSecond: options.searchRequestsPerSecond ?? 5,
    dailyLimit: options.dailyLimit ?? 1_000_000,
    windowMs: options.windowMs ?? 10_000,
  });
  const setLimits = (limits: Partial<RateLimits>) => limiter.setLimits(limitsSchema.parse(limits));
  const faults = new FaultPlan();

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const json = express.json({ limit: '10mb' });

  // Admin routes: neither rate limited nor counted.
  app.get('/__sandbox/stats', (_req, res) => {
    res.json(stats.snapshot());
  });
  app.post('/__sandbox/reset-stats', (_req, res) => {
    stats.reset();
    res.status(204).end();
  });
  app.patch('/__sandbox/limits', json, (req, res) => {
    const parsed = limitsSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json(validationError(parsed.error.message).toBody(crypto.randomUUID()));
      return;
    }
    limiter.setLimits(parsed.data);
    res.json(limiter.currentLimits());
  });
  app.get('/__sandbox/faults', (_req, res) => {
    res.json({ rules: faults.describe() });
  });
  app.post('/__sandbox/faults', json, (req, res) => {
    const parsed = faultPlanSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json(validationError(z.prettifyError(parsed.error)).toBody(crypto.randomUUID()));
      return;
    }
    faults.set(parsed.data.rules);
    res.json({ rules: faults.describe() });
  });
  app.delete('/__sandbox/faults', (_req, res) => {
    faults.set([]);
    res.status(204).end();
  });

  // Every other request is counted, whatever its answer.
  app.use((req, res, next) => {
    const at = systemClock.now();
    Object.assign(res.locals, {
      at,
      route: `${req.method} (no such endpoint)`,
      correlationId: crypto.randomUUID(),
      wrote: false,
    } satisfies Locals);
    res.setHeader('X-HubSpot-Correlation-Id', locals(res).correlationId);
    // 'close' without 'finish': the exchange ended with no answer (a dropped fault, or the client gave up).
    let recorded = false;
    const record = (status: number) => {
      if (recorded) return;
      recorded = true;
      const { route, wrote } = locals(res);
      stats.record({ at, method: req.method, path: req.path, status, route, wrote });
    };
    res.on('finish', () => record(res.statusCode));
    res.on('close', () => record(res.writableFinished ? res.statusCode : 0));
    next();
  });

  /** Authentication, rate limits and scopes, in that order, as HubSpot answers them. */
  const gate = (route: RouteSpec) => (req: Request, res: Response, next: NextFunction) => {
    const token =
      route.auth === 'tokenKey'
        ? tokenInfoSchema.safeParse(req.body).data?.tokenKey
        : /^Bearer (.+)$/i.exec(req.get('authorization') ?? '')?.[1]?.trim();
    // A tokenKey request without one is a malformed body, answered by the handler.
    const missingTokenKey = route.auth === 'tokenKey' && token === undefined;
    if (!missingTokenKey && (!token || (options.token !== undefined && token !== options.token))) {
      sendError(res, invalidAuthentication());
      return;
    }
    const now = locals(res).at;
    const policy = limiter.admit(route.search ? 'search' : 'general', now);
    // Search responses carry no rate limit headers (usage-details, "Rate limit headers").
    if (!route.search) res.set(limiter.headers(now));
    if (policy) {
      // HubSpot documents no Retry-After header for 429s (usage-details; error-handling names one only for 477
      // Migration in Progress), so none is sent: a client must not depend on one.
      sendRateLimited(res, policy);
      return;
    }
    for (const anyOf of route.scopes(req.params as Record<string, string>)) {
      if (!anyOf.some((scope) => granted.has(scope))) {
        sendError(res, missingScopes(anyOf));
        return;
      }
    }
    locals(res).wrote = route.changesData;
    next();
  };

  /** The fault plan's turn, after the gates: a faulted request has not run its handler (unless the fault is `after`). */
  const inject = (route: RouteSpec) => async (req: Request, res: Response, next: NextFunction) => {
    const fault = faults.decide({ path: req.path, write: route.changesData, search: route.search === true });
    if (!fault) {
      next();
      return;
    }
    stats.recordFault(faultLabel(fault));
    if (fault.kind === '429') {
      injectRateLimited(res, fault.policyName, fault.retryAfterSeconds);
      return;
    }
    if (fault.after) {
      locals(res).faultAfter = fault;
      next();
      return;
    }
    locals(res).wrote = false;
    if (fault.kind === 'timeout') {
      await systemClock.sleep(fault.holdMs);
      // Held, then handled as usual: the client may have given up long ago, and the write still lands.
      if (fault.then === 'answer') {
        locals(res).wrote = route.changesData;
        next();
        return;
      }
    }
    failAnswer(res, fault);
  };

  /** A 429 as HubSpot sends it for the policy, with the rate headers that policy leaves at zero. */
  const injectRateLimited = (res: Response, policy: RateLimitPolicy, retryAfterSeconds: number | undefined) => {
    locals(res).wrote = false;
    // Search answers carry no rate limit headers; on others the gate set them and the spent budget shows as 0.
    if (res.getHeader('X-HubSpot-RateLimit-Max') !== undefined) {
      const spent = {
        TEN_SECONDLY_ROLLING: ['X-HubSpot-RateLimit-Remaining', 'X-HubSpot-RateLimit-Secondly-Remaining'],
        SECONDLY: ['X-HubSpot-RateLimit-Secondly-Remaining'],
        DAILY: ['X-HubSpot-RateLimit-Daily-Remaining'],
      }[policy];
      for (const header of spent) res.setHeader(header, '0');
    }
    if (retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(retryAfterSeconds));
    sendRateLimited(res, policy);
  };

  /** The failing end of a 5xx, reset or timeout fault, before or after the handler ran. */
  const failAnswer = (res: Response, fault: Exclude<Fault, { kind: '429' }>) => {
    if (fault.kind === '5xx') {
      const { correlationId } = locals(res);
      res.status(fault.status).json({ status: 'error', ...SERVER_ERRORS[fault.status], correlationId });
    } else {
      drop(res);
    }
  };

  const run = (route: RouteSpec) => async (req: Request, res: Response) => {
    const ctx: RequestContext = {
      store,
      portalId,
      params: req.params as Record<string, string>,
      query: req.query as Record<string, unknown>,
      body: req.body as unknown,
      origin: `${req.protocol}://${req.get('host') ?? 'localhost'}`,
      path: req.path,
      grantedScopes,
      receivedAt: new Date(locals(res).at),
    };
    const reply = await route.handle(ctx);
    const fault = locals(res).faultAfter;
    if (fault && fault.kind !== '429') {
      // The effect is in the store; what the client gets is the failure.
      if (fault.kind === 'timeout') {
        await systemClock.sleep(fault.holdMs);
        if (fault.then === 'drop') {
          drop(res);
          return;
        }
      } else {
        failAnswer(res, fault);
        return;
      }
    }
    if (reply.body === undefined) res.status(reply.status).end();
    else res.status(reply.status).json(reply.body);
  };

  for (const route of ROUTES) {
    const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    const name = (_req: Request, res: Response, next: NextFunction) => {
      locals(res).route = `${route.method} ${route.path}`;
      next();
    };
    app[method](expressPath(route.path), name, json, gate(route), inject(route), run(route));
  }

  app.use((req: Request, res: Response) => {
    res.status(404).json({
      status: 'error',
      message: `Unable to route ${req.method} ${req.path}: the sandbox answers only the HubSpot endpoints Referralynx uses.`,
      correlationId: locals(res).correlationId,
      category: 'OBJECT_NOT_FOUND',
    });
  });

  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof HubSpotError) {
      sendError(res, error);
      return;
    }
    // express.json's parse failures: HubSpot answers malformed JSON with a 400 VALIDATION_ERROR.
    if ((error as { type?: string }).type === 'entity.parse.failed') {
      sendError(res, invalidInput((error as Error).message));
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    res
      .status(500)
      .json({
        status: 'error',
        message: `internal error: ${message}`,
        correlationId: locals(res).correlationId,
        category: 'INTERNAL_ERROR',
      });
  });

  return {
    app,
    portalId,
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    setLimits,
    setFaults: (rules) => faults.set(rules),
  };
}

/** Creates the sandbox and listens on `port` (0: any free port) at `host` (default 127.0.0.1). */
export async function startSandbox(
  options: SandboxOptions & { port?: number; host?: string },
): Promise<RunningSandbox> {
  const sandbox = await createSandbox(options);
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer(sandbox.app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    ...sandbox,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
