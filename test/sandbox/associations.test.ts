import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/associations/v4';
import { startTestSandbox, type SandboxHarness } from '../support/sandbox';

/**
 * v4 associations: HubSpot's defined types between standard objects, USER_DEFINED labels (with generated type ids,
 * from 2001 in a fresh portal), and associations between records, always written in both directions.
 */

let h: SandboxHarness;
let mercy: string;
let drOkafor: string;
let nurseLee: string;
let referral: string;

beforeAll(async () => {
  h = await startTestSandbox('sandbox_associations');
  const schema = await h.call('POST', '/crm-object-schemas/v3/schemas', {
    name: 'referral',
    labels: { singular: 'Referral', plural: 'Referrals' },
    primaryDisplayProperty: 'referral_name',
    requiredProperties: [],
    properties: [{ name: 'referral_name', label: 'Referral', type: 'string', fieldType: 'text' }],
    associatedObjects: ['COMPANY', 'CONTACT'],
  });
  // Unlabeled definitions: referral<->company 2001/2002, referral<->contact 2003/2004.
  expect(schema.body.associations.map((a: { id: string }) => a.id)).toEqual(['2001', '2002', '2003', '2004']);
  mercy = (await h.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Mercy General Hospital' } })).body
    .id;
  drOkafor = (
    await h.call('POST', '/crm/v3/objects/contacts', {
      properties: { firstname: 'Ada', lastname: 'Okafor', email: 'a.okafor@mercy.example' },
    })
  ).body.id;
  nurseLee = (
    await h.call('POST', '/crm/v3/objects/contacts', {
      properties: { firstname: 'Min', lastname: 'Lee', email: 'm.lee@mercy.example' },
    })
  ).body.id;
  referral = (
    await h.call('POST', '/crm/v3/objects/referral', {
      properties: { referral_name: 'Referral 2026-11-27 · Mercy General' },
    })
  ).body.id;
});
afterAll(async () => {
  await h.close();
});

describe('association types and labels', () => {
  it("lists HubSpot's defined types between standard objects, one per direction", async () => {
    const toCompanies = await h.client.crm.associations.v4.schema.definitionsApi.getAll('contacts', 'companies');
    expect(toCompanies.results.map((t) => [t.category, t.typeId, t.label ?? null])).toEqual([
      ['HUBSPOT_DEFINED', 279, null],
      ['HUBSPOT_DEFINED', 1, 'Primary'],
    ]);
    const fromTasks = await h.call('GET', '/crm/v4/associations/tasks/companies/labels');
    expect(fromTasks.body.results).toEqual([{ category: 'HUBSPOT_DEFINED', typeId: 192, label: null }]);
    const toTasks = await h.call('GET', '/crm/v4/associations/companies/tasks/labels');
    expect(toTasks.body.results).toEqual([{ category: 'HUBSPOT_DEFINED', typeId: 191, label: null }]);
  });

  it('creates a paired label as two types and an unpaired one with the same label both ways', async () => {
    const paired = await h.call('POST', '/crm/v4/associations/referral/contacts/labels', {
      label: 'Referring clinician',
      inverseLabel: 'Referred patient',
      name: 'referring_clinician',
    });
    expect(paired.status).toBe(200);
    expect(paired.body.results).toEqual([
      { category: 'USER_DEFINED', typeId: 2005, label: 'Referring clinician' },
      { category: 'USER_DEFINED', typeId: 2006, label: 'Referred patient' },
    ]);
    const unpaired = await h.call('POST', '/crm/v4/associations/p20261127_referral/0-2/labels', {
      label: 'Referral source',
      name: 'referral_source',
    });
    expect(unpaired.body.results).toEqual([
      { category: 'USER_DEFINED', typeId: 2007, label: 'Referral source' },
      { category: 'USER_DEFINED', typeId: 2008, label: 'Referral source' },
    ]);
    const fromContacts = await h.call('GET', '/crm/v4/associations/contacts/referral/labels');
    expect(fromContacts.body.results).toEqual([
      { category: 'USER_DEFINED', typeId: 2004, label: null },
      { category: 'USER_DEFINED', typeId: 2006, label: 'Referred patient' },
    ]);
    const again = await h.call('POST', '/crm/v4/associations/referral/contacts/labels', {
      label: 'Other',
      name: 'referring_clinician',
    });
    expect(again.status).toBe(409);
  });

  it('renames a label and removes one', async () => {
    const created = await h.call('POST', '/crm/v4/associations/companies/contacts/labels', {
      label: 'Case manager',
      name: 'case_manager',
    });
    const [forward] = created.body.results as Array<{ typeId: number }>;
    expect(
      (
        await h.call('PUT', '/crm/v4/associations/companies/contacts/labels', {
          associationTypeId: forward?.typeId,
          label: 'Discharge planner',
        })
      ).status,
    ).toBe(204);
    let labels = await h.call('GET', '/crm/v4/associations/companies/contacts/labels');
    expect(labels.body.results).toContainEqual({
      category: 'USER_DEFINED',
      typeId: forward?.typeId,
      label: 'Discharge planner',
    });
    expect((await h.call('DELETE', `/crm/v4/associations/companies/contacts/labels/${forward?.typeId}`)).status).toBe(
      204,
    );
    labels = await h.call('GET', '/crm/v4/associations/companies/contacts/labels');
    expect(labels.body.results.map((l: { typeId: number }) => l.typeId)).toEqual([280, 2]);
  });
});

describe('associating records', () => {
  it('associates with a label, writing the default unlabeled type and the inverse direction too', async () => {
    const answer = await h.client.crm.associations.v4.basicApi.create('referral', referral, 'contacts', drOkafor, [
      { associationCategory: AssociationSpecAssociationCategoryEnum.UserDefined, associationTypeId: 2005 },
    ]);
    expect(answer).toMatchObject({ fromObjectTypeId: '2-101', toObjectTypeId: '0-1', labels: ['Referring clinician'] });
    expect(String(answer.fromObjectId)).toBe(referral);

    const fromReferral = await h.call('GET', `/crm/v4/objects/referral/${referral}/associations/contacts`);
    expect(fromReferral.body.results).toEqual([
      {
        toObjectId: Number(drOkafor),
        associationTypes: [
          { category: 'USER_DEFINED', typeId: 2003, label: null },
          { category: 'USER_DEFINED', typeId: 2005, label: 'Referring clinician' },
        ],
      },
    ]);
    const fromContact = await h.call('GET', `/crm/v4/objects/contacts/${drOkafor}/associations/referral`);
    expect(fromContact.body.results).toEqual([
      {
        toObjectId: Number(referral),
        associationTypes: [
          { category: 'USER_DEFINED', typeId: 2004, label: null },
          { category: 'USER_DEFINED', typeId: 2006, label: 'Referred patient' },
        ],
      },
    ]);
  });

  it('creates a task associated with a company (192), read back from the company as 191', async () => {
    const task = await h.call('POST', '/crm/v3/objects/tasks', {
      properties: {
        hs_task_subject: 'Thank Mercy General for the referral',
        hs_timestamp: '2026-11-27T15:00:00Z',
        hubspot_owner_id: '71000101',
      },
      associations: [
        { to: { id: mercy }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 192 }] },
      ],
    });
    expect(task.status).toBe(201);
    const fromCompany = await h.client.crm.associations.v4.basicApi.getPage('companies', mercy, 'tasks');
    expect(fromCompany.results.map((r) => [String(r.toObjectId), r.associationTypes.map((t) => t.typeId)])).toEqual([
      [task.body.id, [191]],
    ]);

    const wrongType = await h.call('POST', '/crm/v3/objects/tasks', {
      properties: { hs_task_subject: 'x', hs_timestamp: '2026-11-27T15:00:00Z' },
      associations: [
        { to: { id: mercy }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }] },
      ],
    });
    expect(wrongType.status).toBe(400);
    const missingCompany = await h.call('POST', '/crm/v3/objects/tasks', {
      properties: { hs_task_subject: 'x', hs_timestamp: '2026-11-27T15:00:00Z' },
      associations: [
        { to: { id: '999999' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 192 }] },
      ],
    });
    expect(missingCompany.status).toBe(400);
  });

  it('batch-creates associations, reporting pairs with missing records in a 207', async () => {
    const answer = await h.call('POST', '/crm/v4/associations/companies/contacts/batch/create', {
      inputs: [
        {
          from: { id: mercy },
          to: { id: drOkafor },
          types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 280 }],
        },
        {
          from: { id: mercy },
          to: { id: '424242' },
          types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 280 }],
        },
      ],
    });
    expect(answer.status).toBe(207);
    expect(answer.body.results).toEqual([
      {
        fromObjectTypeId: '0-2',
        fromObjectId: Number(mercy),
        toObjectTypeId: '0-1',
        toObjectId: Number(drOkafor),
        labels: [],
      },
    ]);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        status: 'error',
        category: 'OBJECT_NOT_FOUND',
        context: { id: ['424242'], fromObjectId: [mercy], toObjectId: ['424242'] },
      }),
    ]);
    const contactSide = await h.call('GET', `/crm/v4/objects/contacts/${drOkafor}/associations/companies`);
    expect(contactSide.body.results).toEqual([
      { toObjectId: Number(mercy), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 279, label: null }] },
    ]);
  });

  it('makes default associations in batch and reads them, a record without any reported apart', async () => {
    const defaults = await h.call('POST', '/crm/v4/associations/contacts/companies/batch/associate/default', {
      inputs: [{ from: { id: nurseLee }, to: { id: mercy } }],
    });
    expect(defaults.status).toBe(200);
    expect(defaults.body.results).toEqual([
      {
        from: { id: nurseLee },
        to: { id: mercy },
        associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 },
      },
    ]);
    const lonely = (await h.call('POST', '/crm/v3/objects/companies', { properties: { name: 'No contacts yet' } })).body
      .id;
    const read = await h.call('POST', '/crm/v4/associations/companies/contacts/batch/read', {
      inputs: [{ id: mercy }, { id: lonely }],
    });
    expect(read.status).toBe(207);
    expect(read.body.results).toEqual([
      {
        from: { id: mercy },
        to: [
          {
            toObjectId: Number(drOkafor),
            associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 280, label: null }],
          },
          {
            toObjectId: Number(nurseLee),
            associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 280, label: null }],
          },
        ],
      },
    ]);
    expect(read.body.errors).toEqual([
      expect.objectContaining({ category: 'OBJECT_NOT_FOUND', context: { fromObjectId: [lonely] } }),
    ]);
  });

  it('removes associations in both directions, by label or all of them', async () => {
    await h.call('PUT', `/crm/v4/objects/referral/${referral}/associations/companies/${mercy}`, [
      { associationCategory: 'USER_DEFINED', associationTypeId: 2007 },
    ]);
    const removeLabel = await h.call('POST', '/crm/v4/associations/referral/companies/batch/labels/archive', {
      inputs: [
        {
          from: { id: referral },
          to: { id: mercy },
          types: [{ associationCategory: 'USER_DEFINED', associationTypeId: 2007 }],
        },
      ],
    });
    expect(removeLabel.status).toBe(204);
    const left = await h.call('GET', `/crm/v4/objects/companies/${mercy}/associations/referral`);
    expect(left.body.results).toEqual([
      { toObjectId: Number(referral), associationTypes: [{ category: 'USER_DEFINED', typeId: 2002, label: null }] },
    ]);

    const removeAll = await h.call('POST', '/crm/v4/associations/companies/contacts/batch/archive', {
      inputs: [{ from: { id: mercy }, to: [{ id: drOkafor }, { id: nurseLee }] }],
    });
    expect(removeAll.status).toBe(204);
    expect((await h.call('GET', `/crm/v4/objects/contacts/${nurseLee}/associations/companies`)).body.results).toEqual(
      [],
    );
  });

  it('refuses a type that is not defined between the two objects', async () => {
    const answer = await h.call('PUT', `/crm/v4/objects/contacts/${drOkafor}/associations/companies/${mercy}`, [
      { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 192 },
    ]);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
  });
});
