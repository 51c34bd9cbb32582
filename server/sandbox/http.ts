import { z } from 'zod';
import { systemClock } from '../../src/clock';
import { invalidInput, validationError, type BatchItemError } from './errors';
import type { SandboxStore } from './store';

/** What a handler gets: the portal's store and the parsed parts of the request. */
export interface RequestContext {
  store: SandboxStore;
  portalId: number;
  params: Readonly<Record<string, string>>;
  query: Readonly<Record<string, unknown>>;
  body: unknown;
  /** The sandbox's origin as the client reached it, for paging links. */
  origin: string;
  /** The path of the request without the query string. */
  path: string;
  grantedScopes: readonly string[];
  /** When the request arrived: a batch's startedAt. */
  receivedAt: Date;
}

/** The sandbox's time, from the one clock. */
export const now = () => new Date(systemClock.now());

export interface Reply {
  status: number;
  body?: unknown;
}

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const created = (body: unknown): Reply => ({ status: 201, body });
export const noContent = (): Reply => ({ status: 204 });

/** Parses a request body with its zod schema; a mismatch is HubSpot's 400 for invalid input JSON. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
  throw invalidInput(details);
}

/** A query parameter as one string (the first when repeated). */
export function queryString(ctx: RequestContext, name: string): string | undefined {
  const value = ctx.query[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

/** A list query parameter: HubSpot takes both `properties=a,b` and `properties=a&properties=b`. */
export function queryList(ctx: RequestContext, name: string): string[] | undefined {
  const value = ctx.query[name];
  if (value === undefined) return undefined;
  const parts = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
  return parts
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

export function queryBoolean(ctx: RequestContext, name: string): boolean {
  return queryString(ctx, name)?.toLowerCase() === 'true';
}

/** A bounded integer query parameter (limit), its default when absent. */
export function queryInteger(ctx: RequestContext, name: string, fallback: number, max: number): number {
  const raw = queryString(ctx, name);
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw validationError(`${name} must be an integer between 1 and ${max}, got ${raw}`);
  return n;
}

/** The after cursor of list endpoints, which page in id order. */
export function queryAfter(ctx: RequestContext): number {
  const raw = queryString(ctx, 'after');
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw validationError(`Invalid after cursor: ${raw}`);
  return n;
}

/** paging.next as HubSpot returns it: the cursor and a link to the next page. */
export function nextPage(
  ctx: RequestContext,
  after: string | undefined,
): { next: { after: string; link: string } } | undefined {
  if (after === undefined) return undefined;
  const url = new URL(ctx.path, ctx.origin);
  for (const [key, value] of Object.entries(ctx.query)) {
    if (key !== 'after' && typeof value === 'string') url.searchParams.set(key, value);
  }
  url.searchParams.set('after', after);
  return { next: { after, link: url.toString() } };
}

/** HubSpot's path ids of records are numeric strings. */
export const numericId = z.union([z.string(), z.number()]).transform((v) => String(v));

/** A property value in a write: HubSpot takes strings, and numbers and booleans in the JSON too. */
export const rawValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const propertyValues = z.record(z.string(), rawValue);

/**
 * A batch response: {status: "COMPLETE", results, startedAt, completedAt}, with numErrors and errors and a 207 when
 * some inputs failed (https://developers.hubspot.com/docs/api-reference/error-handling#multi-status-errors).
 */
export function batchReply(
  ctx: RequestContext,
  successStatus: 200 | 201,
  results: unknown[],
  errors: readonly BatchItemError[],
): Reply {
  const body = {
    status: 'COMPLETE',
    results,
    startedAt: ctx.receivedAt.toISOString(),
    completedAt: now().toISOString(),
  };
  return errors.length > 0
    ? { status: 207, body: { ...body, numErrors: errors.length, errors } }
    : { status: successStatus, body };
}
