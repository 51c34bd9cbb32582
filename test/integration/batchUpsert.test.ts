import { batchUpsert } from '../../src/hubspot/api';
import { HubSpot } from '../../src/hubspot/client';
import { EHR_ID_PROPERTY } from '../../src/hubspot/dataModel';
import { provisionDataModel, type DataModel } from '../../src/hubspot/provision';
import { SANDBOX_TOKEN, startTestSandbox, type SandboxHarness } from '../support/sandbox';

let harness: SandboxHarness;
let hubspot: HubSpot;
let model: DataModel;

beforeAll(async () => {
  harness = await startTestSandbox('batch_upsert');
  hubspot = new HubSpot({ baseUrl: harness.sandbox.url, accessToken: SANDBOX_TOKEN });
  model = (await provisionDataModel(hubspot)).model;
});
afterAll(async () => {
  await harness.close();
});

const referral = (id: string, status: string) => ({
  id,
  properties: { rlx_referral_name: `Referral 2026-11-${id.slice(-2)} · Mercy General · Home health`, rlx_status: status },
});

describe('batch upsert of referrals', () => {
  it('creates 250 referrals in three calls, then updates them in place by EHR id', async () => {
    harness.sandbox.resetStats();
    const created = await batchUpsert(
      hubspot,
      model.referralObjectTypeId,
      EHR_ID_PROPERTY,
      Array.from({ length: 250 }, (_, i) => referral(`EHR-${String(i).padStart(4, '0')}`, 'received')),
    );
    expect(created.filter((o) => o.ok)).toHaveLength(250);
    expect(harness.sandbox.stats().byRoute['POST /crm/v3/objects/{objectType}/batch/upsert']).toBe(3);

    const updated = await batchUpsert(hubspot, model.referralObjectTypeId, EHR_ID_PROPERTY, [
      referral('EHR-0007', 'accepted'),
    ]);
    const before = created.find((o) => o.input.id === 'EHR-0007');
    const after = updated[0];
    expect(after?.ok && before?.ok && after.object.id === before.object.id).toBe(true);
    expect(after?.ok && after.object.properties.rlx_status).toBe('accepted');
  });

  it('writes the good items of a batch and reports the bad one with HubSpot reason', async () => {
    const outcomes = await batchUpsert(hubspot, model.referralObjectTypeId, EHR_ID_PROPERTY, [
      referral('EHR-0900', 'received'),
      referral('EHR-0901', 'lost_in_the_fax'),
      referral('EHR-0902', 'admitted'),
    ]);
    expect(outcomes.map((o) => [o.input.id, o.ok])).toEqual([
      ['EHR-0900', true],
      ['EHR-0901', false],
      ['EHR-0902', true],
    ]);
    const bad = outcomes[1];
    expect(bad && !bad.ok && bad.error.message).toMatch(/lost_in_the_fax/);
  });
});
