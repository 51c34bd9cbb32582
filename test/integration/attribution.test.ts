import { z } from 'zod';
import type { CanonicalEvent } from '../../src/domain/events';
import { HubSpot } from '../../src/hubspot/client';
import { provisionDataModel, type DataModel } from '../../src/hubspot/provision';
import { EhrStore } from '../../src/store/ehrStore';
import { migrate } from '../../src/store/migrate';
import { inTransaction } from '../../src/store/postgres';
import { SyncQueue } from '../../src/store/syncQueue';
import { SyncStore } from '../../src/store/syncStore';
import { TenantRepository, type Tenant } from '../../src/store/tenants';
import { hubspotEventEffects } from '../../src/sync/hubspotEvents';
import { syncTarget, syncUntilIdle } from '../../src/sync/syncOnce';
import { runCli } from '../support/cli';
import { event, patient } from '../support/events';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

let harness: SandboxHarness;
let hubspot: HubSpot;
let model: DataModel;
let tenants: TenantRepository;
let store: EhrStore;
const portal = () => harness.sandbox.portalId;

// The sandbox's seeded owners (server/sandbox/catalog.ts): Maria Alvarez 71000101, James Okafor 71000102, Priya Nair
// 71000103, Dana Whitfield 71000104, Robert Chen 71000105.
const MARIA = '71000101';
const JAMES = '71000102';
const PRIYA = '71000103';
const ROBERT = '71000105';

beforeAll(async () => {
  harness = await startTestSandbox('attribution');
  await migrate(harness.db.pool);
  hubspot = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN });
  model = (await provisionDataModel(hubspot)).model;
  tenants = new TenantRepository(harness.db.pool);
  await tenants.ensure(portal());
  store = new EhrStore(harness.db.pool);
});
afterAll(async () => {
  await harness.close();
});

const create = (objectType: string, properties: Record<string, string>) =>
  hubspot.request({ method: 'POST', path: `/crm/v3/objects/${objectType}`, body: { properties } }, z.object({ id: z.string() }));

const receive = async (key: string, facts: Extract<CanonicalEvent, { kind: 'referral.received' }>['facts']) => {
  const received = event({ kind: 'referral.received', referralKey: key, patientHash: patient(key), occurredAt: '2026-11-20T09:00:00-05:00', facts });
  const [result] = await store.recordMany(portal(), [{ outcome: { ok: true, messageKey: `msg-${key}`, events: [received] }, input: { format: 'json', feed: 'test', payload: '{}' } }]);
  expect(result?.status).toBe('accepted');
};

const sync = async () => {
  const tenant = (await tenants.find(portal())) as Tenant;
  // The records alone: the follow-up and scorecard jobs the rounds queue are other tests' subject.
  return syncUntilIdle({ pool: harness.db.pool, target: syncTarget({ tenant, hubspot, model }), kinds: ['referral', 'admission'] });
};

const referral = async (key: string) => {
  const { rows } = await harness.db.pool.query("SELECT hubspot_id FROM hubspot_records WHERE record_kind = 'referral' AND record_key = $1", [key]);
  const id = rows[0]?.hubspot_id as string;
  const record = await hubspot.request(
    { method: 'GET', path: `/crm/v3/objects/${model.referralObjectTypeId}/${id}`, qs: { properties: 'hubspot_owner_id' } },
    z.object({ properties: z.record(z.string(), z.string().nullable()) }).loose(),
  );
  const ids = async (type: string) =>
    (
      await hubspot.request(
        { method: 'GET', path: `/crm/v4/objects/${model.referralObjectTypeId}/${id}/associations/${type}` },
        z.object({ results: z.array(z.object({ toObjectId: z.union([z.string(), z.number()]) }).loose()) }),
      )
    ).results.map((r) => String(r.toObjectId));
  return { owner: record.properties.hubspot_owner_id ?? null, companies: await ids('companies'), contacts: await ids('contacts') };
};

const setCompanyOwner = (companyId: string, ownerId: string) =>
  hubspot.request({ method: 'PATCH', path: `/crm/v3/objects/companies/${companyId}`, body: { properties: { hubspot_owner_id: ownerId } } }, z.unknown());

const decision = async (key: string) => (await new SyncStore().decisions(harness.db.pool, portal(), [key])).get(key);

describe('source attribution and owners', () => {
  it("matches a source without an NPI by name and ZIP, and gives the referral to the marketer's mapped owner", async () => {
    const company = await create('companies', { name: 'Mercy General Hosp', zip: '30301', hubspot_owner_id: JAMES });
    const contact = await create('contacts', { firstname: 'Ada', lastname: 'Okafor', zip: '30301' });
    await tenants.updateSettings(portal(), { marketerOwners: { 'MKT-101': 'Maria.Alvarez@sunrise-care.example' } });
    await receive('R-NAME', {
      referringOrganization: { name: 'Mercy General Hospital', address: { zip: '30301' } },
      referringPractitioner: { familyName: 'Okafor', givenName: 'Ada', address: { zip: '30301' } },
      marketerId: 'MKT-101',
    });
    await sync();
    expect(await referral('R-NAME')).toEqual({ owner: MARIA, companies: [company.id], contacts: [contact.id] });
    expect(await decision('R-NAME')).toMatchObject({
      companyId: company.id,
      companyReason: 'name "Mercy General Hospital" is 100% like "Mercy General Hosp", same ZIP 30301: confidence 1.00 (threshold 0.85)',
      contactId: contact.id,
      ownerId: MARIA,
      ownerMethod: 'marketer',
    });
  });

  it("without a mapped marketer the company's owner has it, and a change of company owner in HubSpot moves it", async () => {
    await receive('R-OWNER', { referringOrganization: { name: 'Mercy General Hospital', address: { zip: '30301' } }, marketerId: 'MKT-404' });
    await sync();
    expect((await referral('R-OWNER')).owner).toBe(JAMES);
    expect((await decision('R-OWNER'))?.ownerReason).toContain('marketer MKT-404 is not mapped to an owner');

    // The company now belongs to Priya in HubSpot, and the webhook's effect runs as the route runs it.
    const companyId = (await decision('R-OWNER'))?.companyId ?? '';
    await setCompanyOwner(companyId, PRIYA);
    await inTransaction(harness.db.pool, (client) => hubspotEventEffects(new SyncQueue(harness.db.pool)).companyOwnerChanged(client, portal(), companyId, PRIYA));
    const round = await sync();
    // R-OWNER follows the company; R-NAME stays with its marketer's owner, unchanged, so only one record is written.
    expect(round).toMatchObject({ taken: 2, written: 1, unchanged: 1 });
    expect((await referral('R-OWNER')).owner).toBe(PRIYA);
    expect((await referral('R-NAME')).owner).toBe(MARIA);
  });

  it("reads a company's owner again after an hour: a new owner moves its referrals, an unchanged one moves none", async () => {
    const companyId = (await decision('R-OWNER'))?.companyId ?? '';
    const ageMatches = () => harness.db.pool.query("UPDATE source_matches SET checked_at = now() - interval '2 hours' WHERE hubspot_id IS NOT NULL");
    const mercy = { referringOrganization: { name: 'Mercy General Hospital', address: { zip: '30301' } }, marketerId: 'MKT-404' };

    // No webhook this time: the owner is found changed when the sync reads it again.
    await setCompanyOwner(companyId, ROBERT);
    await ageMatches();
    await receive('R-REFRESH-1', mercy);
    // R-REFRESH-1 is new; R-OWNER follows the company to Robert; R-NAME (its marketer's) is read and left unchanged.
    expect(await sync()).toMatchObject({ taken: 3, written: 2, unchanged: 1 });
    expect((await referral('R-REFRESH-1')).owner).toBe(ROBERT);
    expect((await referral('R-OWNER')).owner).toBe(ROBERT);

    // Read again with the same owner: only the new referral is taken.
    await ageMatches();
    await receive('R-REFRESH-2', mercy);
    expect(await sync()).toMatchObject({ taken: 1, written: 1, unchanged: 0 });
    expect((await referral('R-REFRESH-2')).owner).toBe(ROBERT);
  });

  it('an unmatched source waits in the list with its best candidate; mapping it by hand links its referrals', async () => {
    const clinic = await create('companies', { name: 'Northside Wound Clinic' });
    await tenants.updateSettings(portal(), { defaultOwner: ROBERT });
    await receive('R-WAIT', { referringOrganization: { name: 'Northside Wound Care Clinic', address: { city: 'Decatur' } } });
    await sync();
    expect(await referral('R-WAIT')).toEqual({ owner: ROBERT, companies: [], contacts: [] });

    const env = { DATABASE_URL: harness.db.url, HUBSPOT_ACCESS_TOKEN: SANDBOX_TOKEN, HUBSPOT_API_BASE_URL: harness.sandbox.url };
    const listing = runCli(['sources', 'unmatched'], env);
    await listing.exit();
    expect(listing.output()).toContain('company  name:northside wound care clinic|decatur');
    expect(listing.output()).toContain('Northside Wound Care Clinic, Decatur: 1 referral');
    expect(listing.output()).toMatch(new RegExp(`best candidate: Northside Wound Clinic \\(id ${clinic.id}, confidence 0\\.\\d\\d\\)`));

    const mapping = runCli(['sources', 'map', 'company', 'name:northside wound care clinic|decatur', clinic.id], env);
    expect(await mapping.exit()).toBe(0);
    expect(mapping.output()).toContain(`Northside Wound Care Clinic is now company ${clinic.id}; 1 referral queued to be linked.`);
    await sync();
    expect((await referral('R-WAIT')).companies).toEqual([clinic.id]);
    expect((await decision('R-WAIT'))?.companyReason).toMatch(/^mapped by hand to company \d+ on \d{4}-\d{2}-\d{2}$/);
  });

  it('a tenant that asks for it gets unmatched sources created, once', async () => {
    await tenants.updateSettings(portal(), { unmatchedSources: 'create' });
    await receive('R-NEW-1', { referringOrganization: { name: 'Lakeview Senior Living', npi: '1245319599', address: { zip: '30030' } } });
    await sync();
    await receive('R-NEW-2', { referringOrganization: { name: 'Lakeview Senior Living', npi: '1245319599', address: { zip: '30030' } } });
    await sync();
    const created = await hubspot.request(
      {
        method: 'POST',
        path: '/crm/v3/objects/companies/search',
        body: { filterGroups: [{ filters: [{ propertyName: 'rlx_npi', operator: 'EQ', value: '1245319599' }] }], properties: ['name', 'zip', 'rlx_source_id'] },
      },
      z.object({ results: z.array(z.object({ id: z.string(), properties: z.record(z.string(), z.string().nullable()) }).loose()) }).loose(),
    );
    expect(created.results.map((r) => r.properties)).toEqual([
      expect.objectContaining({ name: 'Lakeview Senior Living', zip: '30030', rlx_source_id: 'npi:1245319599' }),
    ]);
    expect((await referral('R-NEW-1')).companies).toEqual([created.results[0]?.id]);
    expect((await referral('R-NEW-2')).companies).toEqual([created.results[0]?.id]);
  });
});
