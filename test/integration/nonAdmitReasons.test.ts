import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import YAML from 'yaml';
import { z } from 'zod';
import { buildApp } from '../../server/app';
import { cardRoutes } from '../../server/routes/cards';
import type { Clock } from '../../src/clock';
import { packageRoot } from '../../src/config/packageRoot';
import { nonAdmitReasonsOf } from '../../src/config/tenantSettings';
import { Ingestor } from '../../src/ehr/ingest';
import { HubSpot } from '../../src/hubspot/client';
import { provisionDataModel, type DataModel } from '../../src/hubspot/provision';
import { signHubSpotRequest } from '../../src/hubspot/signature';
import { createLogger } from '../../src/logger';
import { EhrStore } from '../../src/store/ehrStore';
import { FollowUpStore } from '../../src/store/followUpStore';
import { migrate } from '../../src/store/migrate';
import { SyncQueue } from '../../src/store/syncQueue';
import { SyncStore } from '../../src/store/syncStore';
import { TenantRepository, type Tenant } from '../../src/store/tenants';
import { syncTarget, syncUntilIdle } from '../../src/sync/syncOnce';
import { runCli } from '../support/cli';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

/**
 * An agency's own non-admit reason, end to end: saved from the settings page, given to HubSpot's property as an
 * option, mapped from the EHR's word by a CSV profile, written on the Referral record, read in the liaison's task and
 * on the company card. A reason the agency never listed is kept, and reads and is written as "other".
 * The agency is in New York (EST, UTC-5, in November 2026); "now" is Friday 2026-11-27 12:00 EST.
 */

const SECRET = 'app-client-secret-for-reasons';
const ORIGIN = 'https://referralynx.example.com';
const NOW = '2026-11-27T17:00:00Z';
const MERCY_NPI = '1234567893';
const JAMES = '71000102';

const NO_CAREGIVER = {
  value: 'no_caregiver',
  label: 'No caregiver at home',
  words: 'there was no caregiver at home',
  offer: 'If family can be there for the first weeks, we can start care; we can also suggest private duty agencies.',
};

let harness: SandboxHarness;
let hubspot: HubSpot;
let model: DataModel;
let tenants: TenantRepository;
let queue: SyncQueue;
let mercy: string;
let url: string;
let server: Server;
let workDir: string;
const portal = () => harness.sandbox.portalId;
const nowMs = Date.parse(NOW);
const clock: Clock = { now: () => nowMs, sleep: async () => undefined };

/** A request as hubspot.fetch makes it: portalId and userId in the query, signed over the full URL. */
async function card(route: string, method: 'GET' | 'PUT' = 'GET', body = '') {
  const pathAndQuery = `/cards${route}?portalId=${portal()}&userId=4401`;
  const timestamp = String(nowMs);
  const signature = signHubSpotRequest(SECRET, { method, uri: `${ORIGIN}${pathAndQuery}`, rawBody: body, timestamp });
  const response = await fetch(`${url}${pathAndQuery}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp },
    ...(method === 'GET' ? {} : { body }),
  });
  // Answers are pinned with expect(); typing each would restate the assertions.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, body: (await response.json()) as any };
}

const reasonProperty = async () =>
  hubspot.request(
    { method: 'GET', path: `/crm/v3/properties/${model.referralObjectTypeId}/rlx_non_admit_reason` },
    z.object({ options: z.array(z.object({ value: z.string(), label: z.string() }).loose()) }).loose(),
  );

/** The HubSpot Referral record the sync wrote for an EHR referral. */
const referralId = async (key: string) => (await new SyncStore().lastWritten(harness.db.pool, portal(), 'referral', [key])).get(key)?.hubspotId ?? 'none';

async function referralRecord(key: string) {
  return hubspot.request(
    { method: 'GET', path: `/crm/v3/objects/${model.referralObjectTypeId}/${await referralId(key)}`, qs: { properties: 'rlx_non_admit_reason,rlx_status' } },
    z.object({ properties: z.record(z.string(), z.string().nullable()) }).loose(),
  );
}

/** The generic profile, with the agency's export words for its own reason and one it never listed. */
function agencyProfile(): string {
  const generic = YAML.parse(fs.readFileSync(path.join(packageRoot(), 'src/ehr/csv/profiles/generic.yaml'), 'utf8')) as {
    name: string;
    valueMaps: { nonAdmitReason: { values: Record<string, string> } };
  };
  generic.name = 'sunrise';
  generic.valueMaps.nonAdmitReason.values['No Caregiver'] = 'no_caregiver';
  generic.valueMaps.nonAdmitReason.values['Lost to Follow-up'] = 'lost_to_follow_up';
  const file = path.join(workDir, 'sunrise.json');
  fs.writeFileSync(file, JSON.stringify(generic));
  return file;
}

const HEADER =
  'Referral ID,Referral Date,MRN,Service Line,Status,Status Date,Non-Admit Reason,Primary Payer,Referral Source,Source Type,Source NPI,Referring Physician,Physician NPI,Marketer,Branch,Patient ZIP';
const row = (key: string, reason: string) =>
  `${key},11/25/2026 9:00 AM,MRN-${key},Home Health,Non-Admit,11/25/2026 2:00 PM,${reason},Medicare,Mercy General Hospital,Hospital,${MERCY_NPI},,,,North,10458`;

async function target() {
  return syncTarget({ tenant: (await tenants.find(portal())) as Tenant, hubspot, model });
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlx-reasons-'));
  harness = await startTestSandbox('non_admit_reasons');
  await migrate(harness.db.pool);
  await SyncQueue.install(harness.db.pool, { retryDelaySeconds: 1 });
  queue = new SyncQueue(harness.db.pool);
  hubspot = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN });
  // The portal as `referralynx start` leaves it before the agency configured anything: the default reasons.
  model = (await provisionDataModel(hubspot)).model;
  tenants = new TenantRepository(harness.db.pool);
  await tenants.ensure(portal(), 'Sunrise Home Health & Hospice');
  await tenants.updateSettings(portal(), { timeZone: 'America/New_York' });
  await tenants.saveDataModel(portal(), { dataModel: model });
  mercy = (
    await hubspot.request(
      { method: 'POST', path: '/crm/v3/objects/companies', body: { properties: { name: 'Mercy General Hospital', rlx_npi: MERCY_NPI, hubspot_owner_id: JAMES } } },
      z.object({ id: z.string() }),
    )
  ).id;
  const app = buildApp({
    logger: createLogger({ destination: new Writable({ write: (_chunk, _e, done) => done() }) }),
    readiness: [],
    rawBodyRoutes: [
      {
        path: '/cards',
        router: cardRoutes({ pool: harness.db.pool, tenantFor: (portalId) => tenants.find(portalId), appSecret: SECRET, publicBaseUrl: ORIGIN, clock, hubspot }),
      },
    ],
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await harness.close();
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe("the agency's non-admit reasons", () => {
  it('refuses a bad entry naming the field, and saves nothing: neither the settings nor an option in HubSpot', async () => {
    const optionsBefore = (await reasonProperty()).options.length;
    const bad = await card('/settings', 'PUT', JSON.stringify({ nonAdmitReasons: [NO_CAREGIVER, { value: 'No Caregiver', label: 'x'.repeat(101) }] }));
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    expect(bad.body.error.errors).toEqual([
      { path: 'nonAdmitReasons.1.value', message: 'must be a lower-case slug of at most 50 characters: a letter, then letters, digits or _ (e.g. no_caregiver)' },
      { path: 'nonAdmitReasons.1.label', message: 'is at most 100 characters' },
    ]);
    const twice = await card('/settings', 'PUT', JSON.stringify({ nonAdmitReasons: [NO_CAREGIVER, { value: 'no_caregiver', label: 'No carer' }] }));
    expect(twice.status).toBe(400);
    expect(twice.body.error.errors).toEqual([{ path: 'nonAdmitReasons.1.value', message: '"no_caregiver" is already reason 1 of the list: each value once' }]);
    expect((await tenants.find(portal()))?.settings.nonAdmitReasons).toEqual([]);
    expect((await reasonProperty()).options).toHaveLength(optionsBefore);
  });

  it('saves an added reason from the settings page after giving HubSpot its option, and lists it after the defaults', async () => {
    const saved = await card('/settings', 'PUT', JSON.stringify({ nonAdmitReasons: [NO_CAREGIVER] }));
    expect(saved.status).toBe(200);
    // The eleven defaults, then the added reason.
    expect(saved.body.nonAdmitReasons).toHaveLength(12);
    expect(saved.body.nonAdmitReasons[11]).toEqual({ ...NO_CAREGIVER, isDefault: false, reworded: false });
    expect(saved.body.nonAdmitReasons[0]).toEqual({
      value: 'insurance_not_accepted',
      label: 'Insurance not accepted / no authorization',
      words: 'insurance not accepted',
      offer: "We can suggest an agency in the patient's plan network, or go over other ways to cover care.",
      isDefault: true,
      reworded: false,
    });
    const options = (await reasonProperty()).options;
    expect(options.map((o) => o.value)).toEqual([
      'insurance_not_accepted',
      'outside_service_area',
      'patient_declined',
      'not_homebound',
      'no_skilled_need',
      'staffing_unavailable',
      'went_to_another_agency',
      'hospitalized',
      'expired',
      'physician_would_not_sign',
      'other',
      'no_caregiver',
    ]);
    expect(options[11]).toMatchObject({ value: 'no_caregiver', label: 'No caregiver at home' });
    // The settings page reads the same list.
    const page = await card('/settings');
    expect(page.body.nonAdmitReasons.map((r: { value: string }) => r.value).at(-1)).toBe('no_caregiver');
  });

  it('leaves a provisioned portal alone: provisioning again, with the list or with the defaults, makes no write', async () => {
    const tenant = (await tenants.find(portal())) as Tenant;
    expect((await provisionDataModel(hubspot, { nonAdmitReasons: nonAdmitReasonsOf(tenant.settings) })).writeCalls).toBe(0);
    // Without the list (an older caller): the added option is not removed.
    expect((await provisionDataModel(hubspot)).writeCalls).toBe(0);
    expect((await reasonProperty()).options.map((o) => o.value)).toContain('no_caregiver');
  });

  it('takes the reason from a CSV export, writes it on the Referral record, and the call task says it in its words', async () => {
    const csv = path.join(workDir, 'referral-log.csv');
    fs.writeFileSync(csv, [HEADER, row('R-7001', 'No Caregiver'), row('R-7002', 'Lost to Follow-up')].join('\n'));
    const ingestor = await Ingestor.forTenant(new EhrStore(harness.db.pool), (await tenants.find(portal())) as Tenant);
    const summary = await ingestor.csvFile(csv, agencyProfile());
    expect(summary).toMatchObject({ accepted: 2, quarantined: 0 });

    await syncUntilIdle({ pool: harness.db.pool, queue, target: await target(), clock });

    expect((await referralRecord('R-7001')).properties).toMatchObject({ rlx_status: 'non_admitted', rlx_non_admit_reason: 'no_caregiver' });
    // A reason the agency never listed is written as "other": HubSpot has no such option and would refuse the record.
    expect((await referralRecord('R-7002')).properties).toMatchObject({ rlx_status: 'non_admitted', rlx_non_admit_reason: 'other' });

    const tasks = await new FollowUpStore().tasksOfReferrals(harness.db.pool, portal(), ['R-7001', 'R-7002']);
    const [noCaregiver, lost] = ['R-7001', 'R-7002'].map((key) => tasks.find((t) => t.referralKey === key && t.rule === 'non_admit'));
    // Received Wednesday November 25; signed with the portal's name, the agency's.
    expect(noCaregiver?.subject).toBe('Call Mercy General Hospital: referral of November 25 not admitted (there was no caregiver at home)');
    expect(noCaregiver?.body).toContain(
      '"Thank you for your referral of November 25. We were not able to admit your patient: there was no caregiver at home. ' +
        'If family can be there for the first weeks, we can start care; we can also suggest private duty agencies. — Sunrise Home Health & Hospice"',
    );
    expect(lost?.subject).toBe('Call Mercy General Hospital: referral of November 25 not admitted (we were not able to start care)');
    expect(lost?.body).toContain('We were not able to admit your patient: we were not able to start care. We are glad to talk through other options.');
  });

  it("shows the reasons on the company card in the agency's label, the unlisted one as Other, and on the referral card", async () => {
    const company = await card(`/company/${mercy}`);
    expect(company.status).toBe(200);
    // One each; ties in the list's order: "other" (a default) comes before the added reason.
    expect(company.body.nonAdmitReasons['30']).toEqual([
      { reason: 'other', label: 'Other', words: 'we were not able to start care', count: 1 },
      { reason: 'no_caregiver', label: 'No caregiver at home', words: 'there was no caregiver at home', count: 1 },
    ]);
    const recent = company.body.recentReferrals.items.map((r: { nonAdmitReason: string; nonAdmitReasonLabel: string }) => [r.nonAdmitReason, r.nonAdmitReasonLabel]);
    expect(recent).toEqual(expect.arrayContaining([['no_caregiver', 'No caregiver at home'], ['lost_to_follow_up', 'Other']]));

    const referral = await card(`/referral/${await referralId('R-7001')}`);
    expect(referral.body.nonAdmit).toEqual({ reason: 'no_caregiver', label: 'No caregiver at home', words: NO_CAREGIVER.words, offer: NO_CAREGIVER.offer, outcome: 'not admitted' });
  });

  it('writes a referral taken before its reason was listed again, with its own value, once the list has it', async () => {
    const lostToFollowUp = { value: 'lost_to_follow_up', label: 'Lost to follow-up' };
    const saved = await card('/settings', 'PUT', JSON.stringify({ nonAdmitReasons: [NO_CAREGIVER, lostToFollowUp] }));
    expect(saved.status).toBe(200);
    expect((await reasonProperty()).options.map((o) => o.value).slice(-2)).toEqual(['no_caregiver', 'lost_to_follow_up']);
    await syncUntilIdle({ pool: harness.db.pool, queue, target: await target(), clock });
    expect((await referralRecord('R-7002')).properties).toMatchObject({ rlx_non_admit_reason: 'lost_to_follow_up' });
    expect((await referralRecord('R-7001')).properties).toMatchObject({ rlx_non_admit_reason: 'no_caregiver' });
  });

  it('is set from a file with the CLI, which gives HubSpot the new option first, and refuses a bad file naming the entry', async () => {
    const env = { DATABASE_URL: harness.db.url, HUBSPOT_ACCESS_TOKEN: SANDBOX_TOKEN, HUBSPOT_API_BASE_URL: harness.sandbox.url };
    const bad = path.join(workDir, 'bad-reasons.json');
    fs.writeFileSync(bad, JSON.stringify([NO_CAREGIVER, { value: 'Unsafe Home', label: 'Unsafe home' }]));
    const refused = runCli(['settings', '--non-admit-reasons', bad], env);
    expect(await refused.exit()).not.toBe(0);
    expect(refused.output()).toContain('nonAdmitReasons.1.value: must be a lower-case slug');

    const file = path.join(workDir, 'reasons.json');
    fs.writeFileSync(file, JSON.stringify([NO_CAREGIVER, { value: 'unsafe_home', label: 'Unsafe home' }]));
    const cli = runCli(['settings', '--non-admit-reasons', file], env);
    expect(await cli.exit()).toBe(0);
    expect(cli.output()).toContain('HubSpot: completed Referral.rlx_non_admit_reason: 1 option added');
    // The new list no longer has lost_to_follow_up: R-7002 is written again, as "other".
    expect(cli.output()).toContain('1 non-admitted referral queued to be written again with the new list.');
    // The option of the reason left out stays in HubSpot (records may carry it); the new one comes after it.
    expect((await reasonProperty()).options.map((o) => o.value).slice(-3)).toEqual(['no_caregiver', 'lost_to_follow_up', 'unsafe_home']);
    expect((await tenants.find(portal()))?.settings.nonAdmitReasons).toEqual([NO_CAREGIVER, { value: 'unsafe_home', label: 'Unsafe home' }]);
    await syncUntilIdle({ pool: harness.db.pool, queue, target: await target(), clock });
    expect((await referralRecord('R-7002')).properties).toMatchObject({ rlx_non_admit_reason: 'other' });
  }, 60_000);
});
