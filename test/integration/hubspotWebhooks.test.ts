import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { buildApp } from '../../server/app';
import { hubspotWebhookRoutes, quoteIds, type HubSpotEventHandlers } from '../../server/routes/hubspotWebhooks';
import { createLogger } from '../../src/logger';
import { signHubSpotRequest } from '../../src/hubspot/signature';
import { TenantRepository } from '../../src/store/tenants';
import { virtualClock } from '../support/clock';
import { createTestDatabase, dropTestDatabase, type TestDatabase } from '../support/db';

const PORTAL = 62515;
const SECRET = 'app-client-secret-for-tests';
const ORIGIN = 'https://referralynx.example.com';
const REFERRAL_TYPE = '2-7';
let db: TestDatabase;
const servers: Server[] = [];
const clock = virtualClock(Date.parse('2026-11-27T15:00:00Z'));

/** What the handlers were asked to do, in order; `failNext` makes the next call throw (after its own effect). */
const calls: string[] = [];
let failNext = false;
const handlers: HubSpotEventHandlers = {
  companyOwnerChanged: async (client, tenantId, companyId, ownerId) => void calls.push(`owner ${tenantId} ${companyId} ${ownerId}`),
  companiesMerged: async (client, tenantId, primaryId, mergedIds) => void calls.push(`merged ${primaryId} <- ${mergedIds.join(',')}`),
  companyDeleted: async (client, tenantId, companyId) => void calls.push(`deleted ${companyId}`),
  taskStatusChanged: async (client, tenantId, taskId, status, at) => void calls.push(`task ${taskId} ${status} at ${at.toISOString()}`),
  taskDeleted: async (client, tenantId, taskId) => void calls.push(`task ${taskId} deleted`),
  referralCreated: async (client, tenantId, hubspotId) => {
    // An effect in the event's transaction: it must be committed with the event, or rolled back with it.
    await client.query('INSERT INTO hand_entered_referrals (tenant_id, hubspot_id) VALUES ($1, $2)', [tenantId, hubspotId]);
    if (failNext) {
      failNext = false;
      throw new Error('the handler failed');
    }
    calls.push(`referral ${hubspotId}`);
  },
};

async function serve(options: { appSecret?: string } = {}): Promise<string> {
  const app = buildApp({
    logger: createLogger({ destination: new Writable({ write: (_c, _e, done) => done() }) }),
    readiness: [],
    rawBodyRoutes: [
      {
        path: '/webhooks/hubspot',
        router: hubspotWebhookRoutes({
          pool: db.pool,
          tenantFor: async (portalId) => (portalId === PORTAL ? { tenantId: PORTAL, referralObjectTypeId: REFERRAL_TYPE } : undefined),
          appSecret: 'appSecret' in options ? options.appSecret : SECRET,
          publicBaseUrl: ORIGIN,
          handlers,
          clock,
        }),
      },
    ],
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let url: string;
beforeAll(async () => {
  db = await createTestDatabase('hubspot_webhooks');
  await new TenantRepository(db.pool).ensure(PORTAL);
  url = await serve();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await dropTestDatabase(db);
});
beforeEach(() => {
  calls.length = 0;
});

const at = clock.now();
function event(fields: Record<string, unknown>) {
  return { subscriptionId: 4001, portalId: PORTAL, appId: 900, occurredAt: at - 2_000, attemptNumber: 0, changeSource: 'CRM_UI', ...fields };
}

async function post(body: string, options: { sign?: boolean; base?: string; timestamp?: number } = {}) {
  const timestamp = String(options.timestamp ?? clock.now());
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.sign ?? true) {
    headers['x-hubspot-signature-v3'] = signHubSpotRequest(SECRET, {
      method: 'POST',
      uri: `${ORIGIN}/webhooks/hubspot`,
      rawBody: body,
      timestamp,
    });
    headers['x-hubspot-request-timestamp'] = timestamp;
  }
  const response = await fetch(`${options.base ?? url}/webhooks/hubspot`, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('POST /webhooks/hubspot', () => {
  it('refuses an unsigned request, a stale one and a forged one with 401 and the error shape, doing nothing', async () => {
    const body = JSON.stringify([event({ eventId: 1, subscriptionType: 'object.creation', objectTypeId: REFERRAL_TYPE, objectId: 501 })]);
    expect(await post(body, { sign: false })).toEqual({
      status: 401,
      body: { error: { code: 'invalid_signature', message: 'Request refused: the x-hubspot-signature-v3 header is missing.' } },
    });
    expect(await post(body, { timestamp: clock.now() - 5 * 60_000 - 1 })).toEqual({
      status: 401,
      body: { error: { code: 'invalid_signature', message: 'Request refused: the request timestamp is more than five minutes old.' } },
    });
    const forged = await fetch(`${url}/webhooks/hubspot`, {
      method: 'POST',
      headers: { 'x-hubspot-signature-v3': 'A'.repeat(44), 'x-hubspot-request-timestamp': String(clock.now()) },
      body,
    });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toEqual({
      error: { code: 'invalid_signature', message: 'Request refused: the signature does not match.' },
    });
    expect(calls).toEqual([]);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM hubspot_webhook_events')).rows[0].n).toBe(0);
  });

  it('answers 503 with a clear error when the app secret is not configured', async () => {
    const unconfigured = await serve({ appSecret: undefined });
    const body = JSON.stringify([]);
    expect(await post(body, { base: unconfigured })).toEqual({
      status: 503,
      body: {
        error: {
          code: 'webhooks_not_configured',
          message: 'HubSpot webhooks are not configured on this server: set HUBSPOT_APP_SECRET and PUBLIC_BASE_URL.',
        },
      },
    });
  });

  it('refuses a signed body that is not JSON, or not a list of events, with 400', async () => {
    expect(await post('[{"eventId": 1,')).toEqual({
      status: 400,
      body: { error: { code: 'invalid_json', message: 'The request body is not valid JSON.' } },
    });
    const notEvents = await post(JSON.stringify({ eventId: 1 }));
    expect(notEvents.status).toBe(400);
    expect(notEvents.body).toMatchObject({ error: { code: 'invalid_request' } });
    const noType = await post(JSON.stringify([event({ eventId: 2, objectId: 1 })]));
    expect(noType.status).toBe(400);
    expect(noType.body).toMatchObject({ error: { code: 'invalid_request', errors: [{ path: '0.subscriptionType' }] } });
  });

  it('dispatches company and referral events, and a replayed event does nothing the second time', async () => {
    const body = JSON.stringify([
      event({ eventId: 11, subscriptionType: 'object.propertyChange', objectTypeId: '0-2', objectId: 301, propertyName: 'hubspot_owner_id', propertyValue: '77' }),
      event({ eventId: 12, subscriptionType: 'object.propertyChange', objectTypeId: '0-2', objectId: 302, propertyName: 'hubspot_owner_id', propertyValue: '' }),
      event({ eventId: 13, subscriptionType: 'object.merge', objectTypeId: '0-2', objectId: 303, primaryObjectId: 303, mergedObjectIds: [304, 305], newObjectId: 303 }),
      event({ eventId: 14, subscriptionType: 'object.deletion', objectTypeId: '0-2', objectId: 306 }),
      event({ eventId: 15, subscriptionType: 'object.creation', objectTypeId: REFERRAL_TYPE, objectId: 601 }),
      // Not used: a contact created, and a company property other than the owner.
      event({ eventId: 16, subscriptionType: 'object.creation', objectTypeId: '0-1', objectId: 701 }),
      event({ eventId: 17, subscriptionType: 'object.propertyChange', objectTypeId: '0-2', objectId: 301, propertyName: 'name', propertyValue: 'X' }),
    ]);
    expect(await post(body)).toEqual({ status: 200, body: { processed: 5, duplicates: 0, ignored: 2 } });
    expect(calls).toEqual([
      `owner ${PORTAL} 301 77`,
      `owner ${PORTAL} 302 null`,
      'merged 303 <- 304,305',
      'deleted 306',
      'referral 601',
    ]);

    calls.length = 0;
    // HubSpot's retry: the same events, attemptNumber 1.
    expect(await post(body.replaceAll('"attemptNumber":0', '"attemptNumber":1'))).toEqual({
      status: 200,
      body: { processed: 0, duplicates: 7, ignored: 0 },
    });
    expect(calls).toEqual([]);
    expect((await db.pool.query("SELECT hubspot_id FROM hand_entered_referrals WHERE hubspot_id = '601'")).rowCount).toBe(1);
  });

  it('dispatches follow-up task events: completed, reopened and deleted; other task properties are not used', async () => {
    const at = Date.parse('2026-11-27T16:05:00Z');
    const body = JSON.stringify([
      event({ eventId: 41, subscriptionType: 'object.propertyChange', objectTypeId: '0-27', objectId: 901, propertyName: 'hs_task_status', propertyValue: 'COMPLETED', occurredAt: at }),
      event({ eventId: 42, subscriptionType: 'object.propertyChange', objectTypeId: '0-27', objectId: 902, propertyName: 'hs_task_status', propertyValue: 'NOT_STARTED', occurredAt: at }),
      event({ eventId: 43, subscriptionType: 'object.deletion', objectTypeId: '0-27', objectId: 903, occurredAt: at }),
      event({ eventId: 44, subscriptionType: 'object.propertyChange', objectTypeId: '0-27', objectId: 901, propertyName: 'hs_task_subject', propertyValue: 'x', occurredAt: at }),
    ]);
    calls.length = 0;
    expect(await post(body)).toEqual({ status: 200, body: { processed: 3, duplicates: 0, ignored: 1 } });
    expect(calls).toEqual([
      'task 901 COMPLETED at 2026-11-27T16:05:00.000Z',
      'task 902 NOT_STARTED at 2026-11-27T16:05:00.000Z',
      'task 903 deleted',
    ]);
  });

  it('ignores the events of a portal this server does not serve, recording nothing', async () => {
    const body = JSON.stringify([event({ eventId: 21, portalId: 99999, subscriptionType: 'object.deletion', objectTypeId: '0-2', objectId: 1 })]);
    expect(await post(body)).toEqual({ status: 200, body: { processed: 0, duplicates: 0, ignored: 1 } });
    expect(calls).toEqual([]);
    expect((await db.pool.query("SELECT 1 FROM hubspot_webhook_events WHERE event_id = '21'")).rowCount).toBe(0);
  });

  it('commits an event with its effect: a failed event answers 500, keeps nothing, and is processed on the retry', async () => {
    const body = JSON.stringify([
      event({ eventId: 31, subscriptionType: 'object.creation', objectTypeId: REFERRAL_TYPE, objectId: 801 }),
      event({ eventId: 32, subscriptionType: 'object.creation', objectTypeId: REFERRAL_TYPE, objectId: 802 }),
    ]);
    failNext = true;
    expect(await post(body)).toEqual({
      status: 500,
      body: { error: { code: 'internal_error', message: 'Something went wrong on the server.' } },
    });
    // 801 failed and was rolled back, its handler's row too; 802 was processed.
    expect(calls).toEqual(['referral 802']);
    const kept = async () =>
      (await db.pool.query("SELECT hubspot_id FROM hand_entered_referrals WHERE hubspot_id IN ('801', '802') ORDER BY 1")).rows.map((r) => r.hubspot_id);
    expect(await kept()).toEqual(['802']);

    calls.length = 0;
    expect(await post(body)).toEqual({ status: 200, body: { processed: 1, duplicates: 1, ignored: 0 } });
    expect(calls).toEqual(['referral 801']);
    expect(await kept()).toEqual(['801', '802']);
  });

  it('keeps 64-bit ids exact, and two events sharing an event id but not an object are both processed', async () => {
    const body = `[${JSON.stringify(event({ eventId: 41, subscriptionType: 'object.deletion', objectTypeId: '0-2' })).replace('}', ',"objectId":9007199254740993}')},${JSON.stringify(event({ eventId: 41, subscriptionType: 'object.deletion', objectTypeId: '0-2', objectId: 42 }))}]`;
    expect(await post(body)).toEqual({ status: 200, body: { processed: 2, duplicates: 0, ignored: 0 } });
    expect(calls).toEqual(['deleted 9007199254740993', 'deleted 42']);
  });
});

describe('quoteIds', () => {
  it('reads id numbers as text, leaving other numbers and ids inside string values alone', () => {
    expect(quoteIds('{"eventId": 12345678901234567890, "occurredAt": 1, "mergedObjectIds": [1, 22], "propertyValue": "{\\"eventId\\":5}"}')).toBe(
      '{"eventId": "12345678901234567890", "occurredAt": 1, "mergedObjectIds": ["1", "22"], "propertyValue": "{\\"eventId\\":5}"}',
    );
  });
});
