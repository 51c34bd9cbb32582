import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { buildApp } from '../../server/app';
import { partnerSummaryRoutes } from '../../server/routes/partnerSummaries';
import type { CanonicalEvent } from '../../src/domain/events';
import { HubSpot } from '../../src/hubspot/client';
import { provisionDataModel, type DataModel } from '../../src/hubspot/provision';
import { createLogger } from '../../src/logger';
import { EhrStore } from '../../src/store/ehrStore';
import { FollowUpStore } from '../../src/store/followUpStore';
import { migrate } from '../../src/store/migrate';
import { PartnerSummaryStore } from '../../src/store/partnerSummaryStore';
import { SyncQueue } from '../../src/store/syncQueue';
import { TenantRepository, type Tenant } from '../../src/store/tenants';
import { PARTNER_SUMMARY_PATH, preparePartnerSummaries } from '../../src/sync/partnerSummaries';
import { syncTarget, syncUntilIdle, type SyncTarget } from '../../src/sync/syncOnce';
import { runCli } from '../support/cli';
import { event, patient } from '../support/events';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

/**
 * Partner summaries end to end against the sandbox. The agency is in New York: October 2026 is on EDT (UTC-4), and
 * after Sunday November 1 it is EST (UTC-5). October ends on a Saturday, so its summaries are due Monday November 2
 * at 09:00 EST = 14:00Z, the first business day after it.
 */

const MARIA = '71000101';
const JAMES = '71000102';
const MERCY_NPI = '1234567893';
const PUBLIC_BASE_URL = 'https://referralynx.sunrise-care.example';

let harness: SandboxHarness;
let hubspot: HubSpot;
let model: DataModel;
let tenants: TenantRepository;
let store: EhrStore;
let queue: SyncQueue;
let company: string;
let server: Server;
let serverUrl: string;
const portal = () => harness.sandbox.portalId;
const summaries = new PartnerSummaryStore();

type Draft = Parameters<typeof event>[0];
type Facts = Partial<Extract<CanonicalEvent, { kind: 'referral.received' }>['facts']>;

const mercy = { name: 'Mercy General Hospital', npi: MERCY_NPI };

function received(key: string, at: string, facts: Facts = {}): Draft {
  return {
    kind: 'referral.received',
    referralKey: key,
    occurredAt: at,
    facts: { receivedAt: at, businessLine: 'home_health', referringOrganization: mercy, marketerId: 'MKT-101', ...facts },
  };
}

const admitted = (key: string, socDate: string, firstVisitAt: string): Draft => ({
  kind: 'admission.admitted',
  admissionKey: `${key}-A`,
  referralKey: key,
  occurredAt: firstVisitAt,
  socDate,
  firstVisitAt,
});

async function record(key: string, drafts: Draft[]): Promise<void> {
  const events = drafts.map((draft, i) => event({ ...draft, patientHash: patient(key), eventId: `${key}-${i}` } as Draft));
  await store.recordMany(portal(), [{ outcome: { ok: true, messageKey: `msg-${key}`, events }, input: { format: 'json', feed: 'test', payload: '{}' } }]);
}

async function target(): Promise<SyncTarget> {
  return syncTarget({ tenant: (await tenants.find(portal())) as Tenant, hubspot, model });
}

const at = (iso: string) => ({ now: () => Date.parse(iso), sleep: async () => undefined });
const sync = async (now: string) => syncUntilIdle({ pool: harness.db.pool, queue, target: await target(), clock: at(now) });
const prepare = async (now: string) => preparePartnerSummaries(harness.db.pool, queue, await target(), new Date(now), { publicBaseUrl: PUBLIC_BASE_URL });

const taskSchema = z.object({ id: z.string(), properties: z.record(z.string(), z.string().nullable()) }).loose();

async function summaryTasks() {
  const page = await hubspot.request(
    {
      method: 'GET',
      path: '/crm/v3/objects/tasks',
      qs: { properties: 'hs_task_subject,hs_task_body,hs_task_type,hs_task_priority,hs_timestamp,hubspot_owner_id,rlx_task_key,rlx_follow_up_rule', limit: '100' },
    },
    z.object({ results: z.array(taskSchema) }).loose(),
  );
  return page.results.filter((task) => task.properties.rlx_follow_up_rule === 'partner_summary');
}

const associated = async (taskId: string, toType: string) =>
  (
    await hubspot.request(
      { method: 'GET', path: `/crm/v4/objects/tasks/${taskId}/associations/${toType}` },
      z.object({ results: z.array(z.object({ toObjectId: z.union([z.string(), z.number()]) }).loose()) }),
    )
  ).results.map((r) => String(r.toObjectId));

beforeAll(async () => {
  harness = await startTestSandbox('partner_summaries');
  await migrate(harness.db.pool);
  await SyncQueue.install(harness.db.pool, { retryDelaySeconds: 1 });
  queue = new SyncQueue(harness.db.pool);
  hubspot = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN });
  model = (await provisionDataModel(hubspot)).model;
  tenants = new TenantRepository(harness.db.pool);
  await tenants.ensure(portal(), 'Sunrise Home Health & Hospice');
  await tenants.updateSettings(portal(), { timeZone: 'America/New_York', marketerOwners: { 'MKT-101': 'maria.alvarez@sunrise-care.example' } });
  store = new EhrStore(harness.db.pool);
  company = (
    await hubspot.request(
      { method: 'POST', path: '/crm/v3/objects/companies', body: { properties: { name: 'Mercy General Hospital', rlx_npi: MERCY_NPI, hubspot_owner_id: JAMES } } },
      z.object({ id: z.string() }),
    )
  ).id;

  // Mercy General's October, worked by hand (EDT):
  // R1 Monday 5th 10:00 -> first visit Tuesday 12:00: 26 h; SOC the 6th <= 5th + 2: timely.
  await record('R1', [received('R1', '2026-10-05T10:00:00-04:00'), admitted('R1', '2026-10-06', '2026-10-06T12:00:00-04:00')]);
  // R2 Friday 9th 16:00 -> Monday 12th 10:00: 66 h; the 12th > the 11th and no inpatient discharge: not timely.
  await record('R2', [received('R2', '2026-10-09T16:00:00-04:00', { inpatientDischargeIn14Days: 'none' }), admitted('R2', '2026-10-12', '2026-10-12T10:00:00-04:00')]);
  // R3 Wednesday 14th 09:00 -> Friday 16th 15:00: 54 h; the 16th = 14th + 2: timely.
  await record('R3', [received('R3', '2026-10-14T09:00:00-04:00'), admitted('R3', '2026-10-16', '2026-10-16T15:00:00-04:00')]);
  // R4 Monday 19th 08:00 -> Tuesday 20th 12:00: 28 h; timely.
  await record('R4', [received('R4', '2026-10-19T08:00:00-04:00'), admitted('R4', '2026-10-20', '2026-10-20T12:00:00-04:00')]);
  await record('R5', [
    received('R5', '2026-10-20T11:00:00-04:00'),
    { kind: 'referral.non_admitted', referralKey: 'R5', reason: 'insurance_not_accepted', occurredAt: '2026-10-21T10:00:00-04:00' },
  ]);
  await record('R6', [
    received('R6', '2026-10-22T13:00:00-04:00'),
    { kind: 'referral.non_admitted', referralKey: 'R6', reason: 'outside_service_area', occurredAt: '2026-10-22T15:00:00-04:00' },
  ]);
  await record('R7', [received('R7', '2026-10-28T15:00:00-04:00'), { kind: 'referral.accepted', referralKey: 'R7', occurredAt: '2026-10-29T09:00:00-04:00' }]);
  // Saturday 31st 23:30 EDT = 03:30Z on November 1: an October referral, and Mercy's latest.
  await record('R8', [
    received('R8', '2026-10-31T23:30:00-04:00'),
    { kind: 'referral.cancelled', referralKey: 'R8', cancelledBy: 'source', occurredAt: '2026-11-01T08:00:00-05:00' },
  ]);
  // September: in the chart, not in the figures.
  await record('R9', [received('R9', '2026-09-15T10:00:00-04:00'), admitted('R9', '2026-09-16', '2026-09-16T11:00:00-04:00')]);
  // Another source, with nothing in October: no summary.
  await record('R10', [received('R10', '2026-09-21T10:00:00-04:00', { referringOrganization: { name: 'Riverside Family Practice' } })]);
  await sync('2026-11-02T13:00:00Z');

  const app = buildApp({
    logger: createLogger({ level: 'silent' }),
    readiness: [],
    routes: [
      {
        path: PARTNER_SUMMARY_PATH,
        router: partnerSummaryRoutes({ summaryByToken: (token) => summaries.byToken(harness.db.pool, portal(), token), timeZone: async () => 'America/New_York' }),
      },
    ],
  });
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await harness.close();
});

const TEXT =
  "In October, you sent us 8 referrals; 4 started care, a median of 41 hours after your referral; 3 of 4 on time by CMS's measure; " +
  '2 were not admitted: insurance not accepted (1), outside our service area (1); 1 is pending; 1 was cancelled at your request. ' +
  'Thank you for your referrals. — Sunrise Home Health & Hospice';

describe('partner summaries', () => {
  it("at 09:00 on Monday November 2, October's summary gives Mercy General's liaison one email task with the hand-worked text", async () => {
    // Monday 08:59 EST: not due yet.
    expect(await prepare('2026-11-02T13:59:00Z')).toBe(0);
    expect(await prepare('2026-11-02T14:00:00Z')).toBe(1);
    await sync('2026-11-02T14:00:30Z');

    const tasks = await summaryTasks();
    expect(tasks).toHaveLength(1);
    const [task] = tasks;
    expect(task?.properties).toMatchObject({
      rlx_task_key: `partner_summary:npi:${MERCY_NPI}:2026-10-01`,
      hs_task_subject: 'Send Mercy General Hospital its summary of October 2026: 8 referrals, 4 started care',
      hs_task_type: 'EMAIL',
      hs_task_priority: 'MEDIUM',
      // The marketer of Mercy's latest October referral (R8) is Maria.
      hubspot_owner_id: MARIA,
    });
    expect(new Date(Number(task?.properties.hs_timestamp) || String(task?.properties.hs_timestamp)).toISOString()).toBe('2026-11-02T14:00:00.000Z');
    expect(await associated(task!.id, 'companies')).toEqual([company]);
    expect(await associated(task!.id, 'contacts')).toEqual([]);

    const [stored] = await summaries.list(harness.db.pool, portal(), 10);
    expect(stored).toMatchObject({ sourceRef: `npi:${MERCY_NPI}`, sourceName: 'Mercy General Hospital', text: TEXT });
    expect(stored?.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const kept = (await new FollowUpStore().tasks(harness.db.pool, portal(), [`partner_summary:npi:${MERCY_NPI}:2026-10-01`])).values().next().value;
    expect(kept?.referralKey).toBe('R8');
    expect(kept?.body.split('\n')).toEqual([
      'Send Mercy General Hospital the summary of its referrals in October 2026 (October 1 – 31, 2026), with the one-page PDF.',
      '',
      'Message for the source:',
      `"${TEXT}"`,
      '',
      `PDF: ${PUBLIC_BASE_URL}/partner-summaries/${stored?.token}.pdf`,
    ]);
    // HubSpot's body is rich text: the same, escaped, with line breaks.
    expect(task?.properties.hs_task_body).toContain('Sunrise Home Health &amp; Hospice');
    // No patient data, nor any referral's key, in what the source is sent (the random token aside).
    expect(JSON.stringify(tasks).replaceAll(stored?.token ?? '', '<token>')).not.toMatch(/\bR\d+\b|patient/);
  });

  it('running it again, here or a little later, makes no second summary or task', async () => {
    expect(await prepare('2026-11-02T14:00:00Z')).toBe(0);
    expect(await prepare('2026-11-02T14:15:00Z')).toBe(0);
    await sync('2026-11-02T14:16:00Z');
    expect(await summaryTasks()).toHaveLength(1);
    expect(await summaries.list(harness.db.pool, portal(), 10)).toHaveLength(1);
  });

  it('serves the PDF at the link in the task, and a 404 in the one error shape for a token it does not know', async () => {
    const [stored] = await summaries.list(harness.db.pool, portal(), 10);
    const response = await fetch(`${serverUrl}/partner-summaries/${stored?.token}.pdf`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    const pdf = Buffer.from(await response.arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    for (const path of [`/partner-summaries/${'A'.repeat(43)}.pdf`, '/partner-summaries/not-a-token.pdf']) {
      const unknown = await fetch(`${serverUrl}${path}`);
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toEqual({ error: { code: 'not_found', message: 'No partner summary at this address.' } });
    }
  });

  it('lists the summaries and writes one as a PDF from the CLI, and the CLI switches summaries to weekly', async () => {
    const env = { DATABASE_URL: harness.db.url };
    const [stored] = await summaries.list(harness.db.pool, portal(), 10);
    const list = runCli(['summaries', 'list'], env);
    expect(await list.exit()).toBe(0);
    expect(list.output()).toContain(`#${stored?.summaryId}  October 2026  Mercy General Hospital  8 referrals, 4 started care, 2 not admitted, 1 pending`);

    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rlx-summary-')), 'summary.pdf');
    const pdf = runCli(['summaries', 'pdf', String(stored?.summaryId), '--out', out], env);
    expect(await pdf.exit()).toBe(0);
    expect(fs.readFileSync(out).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const missing = runCli(['summaries', 'pdf', '999999', '--out', out], env);
    expect(await missing.exit()).toBe(1);
    expect(missing.output()).toContain('No partner summary #999999');

    const settings = runCli(['settings', '--set', 'followUps.partnerSummary.every=week', '--set', 'followUps.partnerSummary.at=07:30'], env);
    expect(await settings.exit()).toBe(0);
    expect((await tenants.find(portal()))?.settings.followUps.partnerSummary).toEqual({ enabled: true, every: 'week', at: '07:30' });
    // A misspelt setting is refused by name, and nothing changes.
    const misspelt = runCli(['settings', '--set', 'followUps.partnerSummary.evry=month'], env);
    expect(await misspelt.exit()).toBe(1);
    expect(misspelt.output()).toContain('followUps.partnerSummary.evry: not a setting');
    expect((await tenants.find(portal()))?.settings.followUps.partnerSummary).toEqual({ enabled: true, every: 'week', at: '07:30' });
  });
});
