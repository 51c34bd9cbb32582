import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import { ZodError } from 'zod';
import { describeErrorSafely, type Logger } from '../src/logger';
import { HttpError, type ErrorBody } from './httpErrors';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface AppDependencies {
  logger: Logger;
  /** What /readyz asks: each passes or throws with a reason. */
  readiness: ReadinessCheck[];
  /** Routers that read their own bodies (signed requests need the raw bytes), mounted before JSON parsing. */
  rawBodyRoutes?: Array<{ path: string; router: Router }>;
  /** The other routers, mounted after JSON parsing. */
  routes?: Array<{ path: string; router: Router }>;
}

/** Builds the Express app (no listen here: main and the tests listen themselves). */
export function buildApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLog(deps.logger));
  for (const { path, router } of deps.rawBodyRoutes ?? []) app.use(path, router);
  app.use(express.json({ limit: '1mb' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      deps.readiness.map(async ({ name, check }) => {
        try {
          await check();
          return { name, ok: true as const };
        } catch (error) {
          return { name, ok: false as const, reason: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks: results });
  });

  for (const { path, router } of deps.routes ?? []) app.use(path, router);

  app.use((req, _res, next) => {
    next(new HttpError(404, 'not_found', `No route for ${req.method} ${req.path}`));
  });
  app.use(errorHandler(deps.logger));
  return app;
}

/** One line per request: method, path (no query string: it may carry identifiers), status, duration. */
function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms) }, 'request');
    });
    next();
  };
}

/** Maps every error to `{ error: { code, message } }`; only the unexpected ones are logged, without request data. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let status = 500;
    let body: ErrorBody = { error: { code: 'internal_error', message: 'Something went wrong on the server.' } };
    if (error instanceof HttpError) {
      status = error.status;
      body = { error: { code: error.code, message: error.message, ...(error.errors ? { errors: error.errors } : {}) } };
    } else if (error instanceof ZodError) {
      status = 400;
      body = {
        error: {
          code: 'invalid_request',
          message: 'The request does not have the expected shape.',
          errors: error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
        },
      };
    } else if (isBodyParserError(error)) {
      status = error.status;
      body = {
        error: {
          code: error.type === 'entity.too.large' ? 'payload_too_large' : 'invalid_json',
          message: error.type === 'entity.too.large' ? 'The request body is too large.' : 'The request body is not valid JSON.',
        },
      };
    } else {
      logger.error({ error: describeErrorSafely(error), method: req.method, path: req.path }, 'unexpected error');
    }
    res.status(status).json(body);
  };
}

function isBodyParserError(error: unknown): error is { status: number; type: string } {
  return (
    typeof error === 'object' &&
    error !== null &&
    'type' in error &&
    'status' in error &&
    typeof (error as { status: unknown }).status === 'number' &&
    (error as { status: number }).status < 500
  );
}
