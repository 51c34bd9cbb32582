import express, { type Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../src/clock';
import type { TenantId } from '../../src/config/tenantSettings';
import { verifyHubSpotRequest } from '../../src/hubspot/signature';
import { HubSpotWebhookStore } from '../../src/store/hubspotWebhookStore';
import { inTransaction, type Pool } from '../../src/store/postgres';
import { HttpError } from '../httpErrors';
import type { HubSpotEventEffects } from '../../src/sync/hubspotEvents';

/**
 * What the server does with each HubSpot event, inside the transaction that records the event as processed: an
 * effect and its event are committed together or not at all.
 */
export type HubSpotEventHandlers = HubSpotEventEffects;

export interface HubSpotWebhookDependencies {
  pool: Pool;
  /** The tenant of a portal this server serves, with its Referral object type when provisioned; else undefined. */
  tenantFor(portalId: number): Promise<{ tenantId: TenantId; referralObjectTypeId: string | undefined } | undefined>;
  /** The app's client secret (HUBSPOT_APP_SECRET); unset, every request is refused with 503. */
  appSecret: string | undefined;
  /** The origin HubSpot calls (PUBLIC_BASE_URL): part of what HubSpot signs. */
  publicBaseUrl: string | undefined;
  handlers: HubSpotEventHandlers;
  clock: Clock;
}

const COMPANY = '0-2';
const TASK = '0-27';

/** Ids are 64-bit in HubSpot: read as text (see quoteIds) and kept as text. */
const id = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String);

/**
 * One webhook event. Generic subscriptions (object.*) name the object type in objectTypeId; legacy ones
 * (company.propertyChange) in the subscription type. Merges carry primaryObjectId, mergedObjectIds and newObjectId.
 * https://developers.hubspot.com/docs/api-reference/legacy/webhooks/guide (payloads) and
 * https://developers.hubspot.com/changelog/public-beta-generic-webhook-subscriptions (objectTypeId)
 */
export const webhookEventSchema = z
  .object({
    eventId: id,
    subscriptionId: id,
    portalId: id,
    appId: id.optional(),
    occurredAt: z.number().int().nonnegative(),
    subscriptionType: z.string().min(1),
    attemptNumber: z.number().int().nonnegative().optional(),
    objectId: id.optional(),
    objectTypeId: z.string().optional(),
    propertyName: z.string().optional(),
    propertyValue: z.string().nullable().optional(),
    changeSource: z.string().optional(),
    primaryObjectId: id.optional(),
    mergedObjectIds: z.array(id).optional(),
    newObjectId: id.optional(),
  })
  .loose();

export type WebhookEvent = z.infer<typeof webhookEventSchema>;

const LEGACY_TYPES: Readonly<Record<string, string>> = { company: COMPANY, contact: '0-1', deal: '0-3', ticket: '0-5' };

/** The object type and the change, whichever form the subscription has. */
function whatChanged(event: WebhookEvent): { objectTypeId: string | null; change: string } {
  const [prefix = '', change = ''] = event.subscriptionType.split('.');
  if (prefix === 'object') return { objectTypeId: event.objectTypeId ?? null, change };
  return { objectTypeId: LEGACY_TYPES[prefix] ?? event.objectTypeId ?? null, change };
}

/**
 * JSON numbers beyond 2^53 lose digits in JavaScript, and HubSpot's event and object ids are 64-bit: the id fields'
 * numbers are read as text before parsing. (Inside a string value the keys appear escaped, \"eventId\", and are
 * left alone.)
 */
export function quoteIds(raw: string): string {
  return raw
    .replace(
      /"(eventId|subscriptionId|portalId|appId|objectId|primaryObjectId|newObjectId)"(\s*):(\s*)(\d+)/g,
      '"$1"$2:$3"$4"',
    )
    .replace(/"mergedObjectIds"(\s*):(\s*)\[([\d\s,]*)\]/g, (_all, a: string, b: string, list: string) => {
      return `"mergedObjectIds"${a}:${b}[${list.replace(/\d+/g, '"$&"')}]`;
    });
}

/**
 * POST /webhooks/hubspot (the targetUrl of hubspot-app/app/webhooks/webhooks-hsmeta.json). Signed with the app's
 * client secret (X-HubSpot-Signature-v3), checked against the raw body before anything is parsed. Each event is
 * processed in a transaction of its own that records it as processed (hubspot_webhook_events), so an event HubSpot
 * sends again changes nothing. Events of portals this server does not serve, and event types it does not use, are
 * ignored. 200 once every event is processed; if one fails, 500 after the others are done, and HubSpot's retry
 * finds the processed ones recorded.
 */
export function hubspotWebhookRoutes(deps: HubSpotWebhookDependencies): Router {
  const router = express.Router();
  router.use(express.text({ type: () => true, limit: '1mb' }));
  const store = new HubSpotWebhookStore();

  router.post('/', async (req, res) => {
    if (!deps.appSecret || !deps.publicBaseUrl) {
      throw new HttpError(
        503,
        'webhooks_not_configured',
        'HubSpot webhooks are not configured on this server: set HUBSPOT_APP_SECRET and PUBLIC_BASE_URL.',
      );
    }
    const rawBody = typeof req.body === 'string' ? req.body : '';
    const check = verifyHubSpotRequest(req, rawBody, {
      secret: deps.appSecret,
      publicBaseUrl: deps.publicBaseUrl,
      nowMs: deps.clock.now(),
    });
    if (!check.ok) throw new HttpError(401, 'invalid_signature', `Request refused: ${check.reason}.`);

    let parsed: unknown;
    try {
      parsed = JSON.parse(quoteIds(rawBody));
    } catch {
      throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
    }
    const events = z.array(webhookEventSchema).parse(parsed);

    const counts = { processed: 0, duplicates: 0, ignored: 0 };
    let failure: unknown;
    for (const event of events) {
      try {
        counts[await processEvent(deps, store, event)] += 1;
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure) throw failure;
    res.status(200).json(counts);
  });
  return router;
}

async function processEvent(
  deps: HubSpotWebhookDependencies,
  store: HubSpotWebhookStore,
  event: WebhookEvent,
): Promise<'processed' | 'duplicates' | 'ignored'> {
  const tenant = await deps.tenantFor(Number(event.portalId));
  if (!tenant) return 'ignored';
  const { objectTypeId, change } = whatChanged(event);
  const { handlers } = deps;
  return inTransaction(deps.pool, async (client) => {
    const fresh = await store.recordEvent(client, tenant.tenantId, {
      eventId: event.eventId,
      subscriptionId: event.subscriptionId,
      objectId: event.objectId ?? '',
      occurredAt: event.occurredAt,
      subscriptionType: event.subscriptionType,
      objectTypeId,
    });
    if (!fresh) return 'duplicates';
    const objectId = event.objectId;
    if (objectTypeId === COMPANY && objectId) {
      if (change === 'propertyChange' && event.propertyName === 'hubspot_owner_id') {
        await handlers.companyOwnerChanged(client, tenant.tenantId, objectId, event.propertyValue || null);
        return 'processed';
      }
      if (change === 'merge') {
        await handlers.companiesMerged(client, tenant.tenantId, event.primaryObjectId ?? objectId, event.mergedObjectIds ?? []);
        return 'processed';
      }
      if (change === 'deletion') {
        await handlers.companyDeleted(client, tenant.tenantId, objectId);
        return 'processed';
      }
    }
    if (objectTypeId === TASK && objectId) {
      if (change === 'propertyChange' && event.propertyName === 'hs_task_status') {
        await handlers.taskStatusChanged(client, tenant.tenantId, objectId, event.propertyValue ?? '', new Date(event.occurredAt));
        return 'processed';
      }
      if (change === 'deletion') {
        await handlers.taskDeleted(client, tenant.tenantId, objectId);
        return 'processed';
      }
    }
    if (objectTypeId !== null && objectTypeId === tenant.referralObjectTypeId && change === 'creation' && objectId) {
      await handlers.referralCreated(client, tenant.tenantId, objectId);
      return 'processed';
    }
    // Recorded all the same: an event type we do not use is answered once, like any other.
    return 'ignored';
  });
}
