import { fhirId, identified, readable, type Identifier, type ReadableType, type Reference, type ResourceOf } from './elements';

/**
 * One FHIR message: a Bundle (batch, transaction, collection, searchset or message) or a single resource, with its
 * references resolved inside it. Nothing outside the message is fetched: what a mapper needs must travel with it.
 */

export type RawResource = Record<string, unknown> & { resourceType: string };

/** A resource where it sits in the message. */
export interface Located {
  raw: RawResource;
  resourceType: string;
  /** Resource.id, when it is a valid FHIR id. */
  id?: string;
  /** Bundle.entry.fullUrl. */
  fullUrl?: string;
  /** Bundle.entry.request.url and .ifNoneExist: a conditional reference may name the same search. */
  requestUrl?: string;
  ifNoneExist?: string;
  /** Where it is, for reasons: "Bundle.entry[3].resource". */
  position: string;
  /** For a contained resource, the resource that contains it. */
  container?: Located;
  contained: Map<string, Located>;
  /** What read() made of it, parsed once per message. */
  parsed?: unknown;
}

export interface FhirMessage {
  /** Bundle.id, Bundle.timestamp, Bundle.type when the message is a Bundle. */
  bundleId?: string;
  timestamp?: string;
  bundleType?: string;
  /** The top-level resources, in message order. */
  entries: Located[];
  byFullUrl: Map<string, Located>;
  byRequestUrl: Map<string, Located>;
}

/** A message the adapter cannot map, with a reason an administrator can act on (never quoting patient data). */
export class Refusal extends Error {
  constructor(
    readonly reason: string,
    readonly position?: string,
  ) {
    super(reason);
    this.name = 'Refusal';
  }
}

/** http://hl7.org/fhir/R4/valueset-bundle-type.html: the kinds of Bundle that carry resources to take in. */
const acceptedBundleTypes = ['batch', 'transaction', 'collection', 'searchset', 'message'];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const stringOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/** A resourceType as FHIR spells them (PascalCase letters); which ones the adapter reads is decided later. */
export const isResourceTypeName = (value: unknown): value is string => typeof value === 'string' && /^[A-Z][A-Za-z]{1,63}$/.test(value);

/** Resource URLs name versions as ".../_history/3"; a version is not another resource. */
export const withoutHistory = (url: string) => url.replace(/\/_history\/[^/]+$/, '');

function resourceTypeOf(value: Record<string, unknown>, where: string): string {
  const type = value.resourceType;
  if (type === undefined) throw new Refusal(`${where} has no resourceType: it is not a FHIR resource`);
  if (!isResourceTypeName(type)) {
    throw new Refusal(`${where}.resourceType is not the name of a FHIR resource type`);
  }
  return type;
}

function locate(
  raw: Record<string, unknown>,
  resourceType: string,
  place: { position: string; fullUrl?: string; requestUrl?: string; ifNoneExist?: string; container?: Located },
): Located {
  const id = fhirId.safeParse(raw.id);
  const located: Located = {
    raw: raw as RawResource,
    resourceType,
    ...(id.success ? { id: id.data } : {}),
    ...(place.fullUrl ? { fullUrl: place.fullUrl } : {}),
    ...(place.requestUrl ? { requestUrl: place.requestUrl } : {}),
    ...(place.ifNoneExist ? { ifNoneExist: place.ifNoneExist } : {}),
    ...(place.container ? { container: place.container } : {}),
    position: place.position,
    contained: new Map(),
  };
  // Contained resources are found only through "#id" from their container (http://hl7.org/fhir/R4/references.html#contained).
  if (!place.container && Array.isArray(raw.contained)) {
    raw.contained.forEach((item, index) => {
      if (!isObject(item) || !isResourceTypeName(item.resourceType)) return;
      const inner = locate(item, item.resourceType, { position: `${place.position}.contained[${index}]`, container: located });
      if (inner.id && !located.contained.has(inner.id)) located.contained.set(inner.id, inner);
    });
  }
  return located;
}

/** Reads a POSTed or polled document into a message; refuses what is not a FHIR resource or an acceptable Bundle. */
export function readMessage(payload: unknown): FhirMessage {
  if (!isObject(payload)) throw new Refusal('the payload is not a JSON object (a FHIR resource or Bundle)');
  const type = resourceTypeOf(payload, 'the payload');
  const message: FhirMessage = { entries: [], byFullUrl: new Map(), byRequestUrl: new Map() };
  if (type !== 'Bundle') {
    message.entries.push(locate(payload, type, { position: type }));
  } else {
    const bundleType = stringOf(payload.type);
    if (!bundleType) throw new Refusal('Bundle.type is missing');
    if (!acceptedBundleTypes.includes(bundleType)) {
      const shown = /^[a-z-]{1,40}$/.test(bundleType) ? `${bundleType} ` : '';
      throw new Refusal(`Bundle.type ${shown}is not accepted: send a batch, transaction, collection, searchset or message Bundle`);
    }
    message.bundleType = bundleType;
    const bundleId = stringOf(payload.id);
    if (bundleId && bundleId.length <= 64) message.bundleId = bundleId;
    const timestamp = stringOf(payload.timestamp);
    if (timestamp) message.timestamp = timestamp;
    if (payload.entry === undefined) throw new Refusal('Bundle has no entry: there is nothing to map');
    if (!Array.isArray(payload.entry)) throw new Refusal('Bundle.entry is not a list');
    if (payload.entry.length === 0) throw new Refusal('Bundle.entry is empty: there is nothing to map');
    payload.entry.forEach((entry, index) => {
      const position = `Bundle.entry[${index}]`;
      if (!isObject(entry)) throw new Refusal(`${position} is not an object`, position);
      const request = isObject(entry.request) ? entry.request : undefined;
      if (entry.resource === undefined) {
        // A delete in a batch or transaction carries no resource, and a deletion means nothing to a referral here.
        if (request?.method === 'DELETE') return;
        throw new Refusal(`${position} has no resource`, position);
      }
      if (!isObject(entry.resource)) throw new Refusal(`${position}.resource is not an object`, position);
      const resourceType = resourceTypeOf(entry.resource, `${position}.resource`);
      const fullUrl = stringOf(entry.fullUrl);
      const requestUrl = stringOf(request?.url);
      const ifNoneExist = stringOf(request?.ifNoneExist);
      message.entries.push(
        locate(entry.resource, resourceType, {
          position: `${position}.resource`,
          ...(fullUrl ? { fullUrl } : {}),
          ...(requestUrl ? { requestUrl } : {}),
          ...(ifNoneExist ? { ifNoneExist } : {}),
        }),
      );
    });
  }
  for (const located of message.entries) {
    if (located.fullUrl && !message.byFullUrl.has(withoutHistory(located.fullUrl))) {
      message.byFullUrl.set(withoutHistory(located.fullUrl), located);
    }
    if (located.requestUrl && !message.byRequestUrl.has(located.requestUrl)) message.byRequestUrl.set(located.requestUrl, located);
  }
  return message;
}

/** The server base of a RESTful fullUrl ("https://ehr.example/fhir/" of ".../fhir/Patient/1"). */
function restBase(fullUrl: string | undefined): string | undefined {
  return fullUrl ? /^(https?:\/\/.+\/)[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(\/_history\/[^/]+)?$/.exec(fullUrl)?.[1] : undefined;
}

const identifiersOf = (located: Located): Identifier[] => {
  const parsed = identified.safeParse(located.raw);
  return parsed.success ? parsed.data.identifier : [];
};

/** A search token "system|value", "|value" (no system) or "value" (any system) against a resource's identifiers. */
function hasIdentifier(located: Located, token: string): boolean {
  const bar = token.indexOf('|');
  const system = bar >= 0 ? token.slice(0, bar) : undefined;
  const value = bar >= 0 ? token.slice(bar + 1) : token;
  return identifiersOf(located).some(
    (id) => id.value === value && (system === undefined || (system === '' ? id.system === undefined : id.system === system)),
  );
}

function only<T>(items: T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}

/**
 * A conditional reference ("Patient?identifier=system|value", http://hl7.org/fhir/R4/bundle.html#references): the
 * entry whose conditional request names the same search, else the one resource of that type matching every
 * criterion. Only identifier and _id are understood; a search naming anything else, or matching more than one
 * resource, resolves to nothing.
 */
function resolveConditional(message: FhirMessage, reference: string): Located | undefined {
  const [type = '', query = ''] = reference.split(/\?(.*)/s);
  const sameSearch = message.entries.filter(
    (e) => e.resourceType === type && (e.requestUrl === reference || e.ifNoneExist === query),
  );
  if (sameSearch.length > 0) return only(sameSearch);
  const criteria = [...new URLSearchParams(query)];
  if (criteria.length === 0 || criteria.some(([name]) => name !== 'identifier' && name !== '_id')) return undefined;
  return only(
    message.entries.filter(
      (e) =>
        e.resourceType === type &&
        criteria.every(([name, value]) => (name === '_id' ? e.id === value : hasIdentifier(e, value))),
    ),
  );
}

function resolveLiteral(message: FhirMessage, reference: string, from: Located): Located | undefined {
  const container = from.container ?? from;
  if (reference.startsWith('#')) return reference === '#' ? container : container.contained.get(reference.slice(1));
  if (reference.includes('?')) return resolveConditional(message, reference);
  const target = withoutHistory(reference);
  const byUrl = message.byFullUrl.get(target);
  if (byUrl) return byUrl;
  // An absolute URL or URN that no entry carries refers to something outside the message.
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined;
  if (!/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(target)) return undefined;
  // A relative reference is read against the base of the referring entry's fullUrl
  // (http://hl7.org/fhir/R4/bundle.html#references). Entries with urn:uuid fullUrls and PUT Type/id requests (the
  // HL7 v2 converters' output), or none, are matched by type and id; never an entry of another server.
  const base = restBase(container.fullUrl);
  const [type, id] = target.split('/');
  return (
    message.entries.find((e) => e.resourceType === type && e.id === id && (base === undefined || [undefined, base].includes(restBase(e.fullUrl)))) ??
    message.byRequestUrl.get(target)
  );
}

/** A reference resolved within the message: literal (relative, absolute, urn, conditional, contained) or logical. */
export function resolve(
  message: FhirMessage,
  ref: Reference | undefined,
  from: Located,
  expectedTypes: readonly string[],
): Located | undefined {
  if (!ref) return undefined;
  if (ref.reference !== undefined) return resolveLiteral(message, ref.reference, from);
  const logical = ref.identifier;
  if (!logical?.value) return undefined;
  const types = ref.type ? [ref.type] : expectedTypes;
  return only(
    message.entries.filter(
      (e) =>
        types.includes(e.resourceType) &&
        identifiersOf(e).some((id) => id.value === logical.value && (!logical.system || id.system === logical.system)),
    ),
  );
}

/** The resource type a reference names, from Reference.type or its URL, without resolving it. */
export function referencedType(ref: Reference): string | undefined {
  if (ref.type) return ref.type;
  const match = ref.reference ? /(?:^|\/)([A-Z][A-Za-z]+)(?:\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[^/]+)?$|\?)/.exec(ref.reference) : null;
  return match?.[1];
}

/** The parts of a resource the adapter reads (elements.ts), parsed once per message. */
export function read<K extends ReadableType>(located: Located, type: K): ResourceOf<K> {
  if (located.resourceType !== type) throw new Error(`read a ${located.resourceType} as a ${type}`);
  if (located.parsed === undefined) {
    const parsed = readable[type].safeParse(located.raw);
    if (!parsed.success) throw new Refusal(`${labelOf(located)} could not be read as a ${type}`, located.position);
    located.parsed = parsed.data;
  }
  return located.parsed as ResourceOf<K>;
}

/**
 * How reasons name a resource: "ServiceRequest/abc", or its place in the message. A Patient is always named by its
 * place: its id may be a record number.
 */
export function labelOf(located: Located): string {
  return located.id && located.resourceType !== 'Patient' ? `${located.resourceType}/${located.id}` : `${located.resourceType} at ${located.position}`;
}
