import crypto from 'node:crypto';
import { canonicalEvent, type CanonicalEvent } from '../../domain/events';
import type { AdapterContext } from '../types';
import { readFhirTime, startOfDay } from './dates';
import { labelOf, Refusal, type FhirMessage, type Located } from './message';

/** What every mapper of one message shares. */
export interface Scope {
  message: FhirMessage;
  ctx: AdapterContext;
  messageKey: string;
  /** Instants that say when the message was made or received (Bundle.timestamp, then the caller's receivedAt). */
  messageTimes: string[];
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event before it gets its id and source. */
export type EventDraft = DistributiveOmit<CanonicalEvent, 'eventId' | 'source'>;

export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted and undefined left out: equal content, equal text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : stableStringify(item))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableStringify(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * When an event happened: the first of `times` that is an instant (meta.lastUpdated, then the resource's own
 * dateTime), else when the message was made or received, else the start of the first date-only value in the agency's
 * zone. Nothing at all: the message is refused, as a guessed time would misplace the referral in every report.
 */
export function occurredAt(scope: Scope, located: Located, times: ReadonlyArray<string | undefined>): string {
  const zone = scope.ctx.timeZone;
  for (const time of times) {
    const read = readFhirTime(time, zone);
    if (read?.kind === 'instant') return read.instant;
  }
  const fromMessage = scope.messageTimes[0];
  if (fromMessage) return fromMessage;
  for (const time of times) {
    const read = readFhirTime(time, zone);
    const start = read?.kind === 'date' ? startOfDay(read.date, zone) : undefined;
    if (start) return start;
  }
  throw new Refusal(
    `${labelOf(located)}: nothing says when this happened (no meta.lastUpdated, no date of its own, no Bundle.timestamp, and no time of receipt was given)`,
    located.position,
  );
}

function versionOf(located: Located): string | undefined {
  const meta = located.raw.meta;
  const versionId = typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>).versionId : undefined;
  return typeof versionId === 'string' && /^[A-Za-z0-9\-.]{1,64}$/.test(versionId) ? versionId : undefined;
}

function withoutUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const samePath = (a: readonly PropertyKey[], b: readonly PropertyKey[]) => a.length === b.length && a.every((key, i) => key === b[i]);

/** Fields an event keeps its meaning without: a fact, the first visit, an admission's link to its referral. */
function isDroppable(kind: string, path: readonly PropertyKey[]): boolean {
  if (path[0] === 'facts') return path.length >= 2 || kind === 'admission.admitted';
  if (path[0] === 'firstVisitAt') return true;
  return path[0] === 'referralKey' && kind === 'admission.admitted';
}

function deleteAt(target: Record<string, unknown>, path: readonly PropertyKey[]): void {
  let node: unknown = target;
  for (const key of path.slice(0, -1)) node = typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  const last = path[path.length - 1];
  if (typeof node === 'object' && node !== null && last !== undefined) delete (node as Record<PropertyKey, unknown>)[last];
}

/**
 * The event as the canonical schema takes it: a value that fails (an NPI with a bad check digit, a ZIP of the wrong
 * form, an over-long name) is left out and the event kept; when the failing value is one the event cannot do without
 * (its key, its date), the message is refused with the field named.
 */
function fitToSchema(candidate: Record<string, unknown>, located: Located): CanonicalEvent {
  const current = withoutUndefined(candidate);
  let dropped: readonly PropertyKey[] | undefined;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const parsed = canonicalEvent.safeParse(current);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    let path: readonly PropertyKey[] = issue?.path ?? [];
    // A required part of an optional object (an organization's name) failed: the whole object goes.
    if (dropped && samePath(path, dropped)) path = path.slice(0, -1);
    if (path.length === 0 || !isDroppable(String(current.kind), path)) {
      throw new Refusal(
        `${labelOf(located)}: its ${String(current.kind)} event cannot be made: ${path.map(String).join('.') || 'the event'} ${issue?.message ?? 'is invalid'}`,
        located.position,
      );
    }
    deleteAt(current, path);
    dropped = path;
  }
  throw new Refusal(`${labelOf(located)}: its event cannot be made`, located.position);
}

/**
 * Stamps a draft with its source and a deterministic id: the feed, the resource (type and id, else its fullUrl), its
 * version (meta.versionId, else a hash of what the event says, so an unchanged resource sent again yields the same
 * id and a changed one a new id), and the kind. `identity` replaces resource and version for events that stand for
 * something other than one resource version (an admission read from its visits).
 */
export function stampEvent(scope: Scope, located: Located, draft: EventDraft, identity?: string): CanonicalEvent {
  const fitted = fitToSchema(
    { ...draft, eventId: 'unstamped', source: { format: 'fhir', feed: scope.ctx.feed, messageId: scope.messageKey } },
    located,
  );
  const { eventId: _unstamped, occurredAt: _at, source: _source, ...content } = fitted;
  const resource = located.id ? `${located.resourceType}/${located.id}` : (located.fullUrl ?? `${located.resourceType}@${sha256(stableStringify(located.raw)).slice(0, 16)}`);
  const version = versionOf(located) ?? `h${sha256(stableStringify(content)).slice(0, 16)}`;
  const readable = `fhir:${sha256(scope.ctx.feed).slice(0, 8)}:${identity ?? `${resource}/_history/${version}`}:${fitted.kind}`;
  return { ...fitted, eventId: readable.length <= 400 ? readable : `fhir:${sha256(readable)}:${fitted.kind}` };
}
