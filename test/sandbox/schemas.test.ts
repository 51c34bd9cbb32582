import { PropertyCreateFieldTypeEnum, PropertyCreateTypeEnum } from '@hubspot/api-client/lib/codegen/crm/properties';
import {
  ObjectTypePropertyCreateTypeEnum as SchemaPropertyType,
  type ObjectSchemaEgg,
} from '@hubspot/api-client/lib/codegen/crm/schemas';
import { createSandbox, startSandbox } from '../../server/sandbox';
import { createPool } from '../../src/store/postgres';
import { createTestDatabase, dropTestDatabase } from '../support/db';
import { callWith, clientFor, startTestSandbox, type SandboxHarness } from '../support/sandbox';

/**
 * The data model APIs: custom object schemas, properties and groups, pipelines; and that the CRM outlives the
 * sandbox process. Hand-worked ids: first custom object 2-101, USER_DEFINED association types from 2001, pipeline and
 * stage ids from 5001, records from 1001 (server/sandbox/catalog.ts).
 */

let h: SandboxHarness;

const referralSchema: ObjectSchemaEgg = {
  name: 'referral',
  labels: { singular: 'Referral', plural: 'Referrals' },
  description: 'A patient referral from a referral source.',
  primaryDisplayProperty: 'referral_name',
  secondaryDisplayProperties: ['status'],
  searchableProperties: ['referral_name', 'ehr_id'],
  requiredProperties: ['referral_name', 'ehr_id'],
  associatedObjects: ['COMPANY', 'CONTACT'],
  properties: [
    {
      name: 'ehr_id',
      label: 'EHR referral id',
      type: SchemaPropertyType.String,
      fieldType: 'text',
      hasUniqueValue: true,
    },
    { name: 'referral_name', label: 'Referral', type: SchemaPropertyType.String, fieldType: 'text' },
    {
      name: 'status',
      label: 'Status',
      type: SchemaPropertyType.Enumeration,
      fieldType: 'select',
      options: [
        { label: 'Received', value: 'received', displayOrder: 0, hidden: false },
        { label: 'Admitted', value: 'admitted', displayOrder: 1, hidden: false },
      ],
    },
  ],
};

beforeAll(async () => {
  h = await startTestSandbox('sandbox_schemas');
});
afterAll(async () => {
  await h.close();
});

describe('custom object schemas', () => {
  it('creates a custom object with its properties, HubSpot default properties and association definitions', async () => {
    const schema = await h.client.crm.schemas.coreApi.create(referralSchema);
    expect(schema).toMatchObject({
      id: '101',
      objectTypeId: '2-101',
      name: 'referral',
      fullyQualifiedName: 'p20261127_referral',
      labels: { singular: 'Referral', plural: 'Referrals' },
      primaryDisplayProperty: 'referral_name',
      requiredProperties: ['referral_name', 'ehr_id'],
    });
    const names = schema.properties.map((p) => p.name).sort();
    expect(names).toEqual([
      'ehr_id',
      'hs_created_by_user_id',
      'hs_createdate',
      'hs_lastmodifieddate',
      'hs_object_id',
      'hs_pipeline',
      'hs_pipeline_stage',
      'hs_updated_by_user_id',
      'hubspot_owner_id',
      'referral_name',
      'status',
    ]);
    expect(schema.properties.find((p) => p.name === 'ehr_id')).toMatchObject({
      hasUniqueValue: true,
      groupName: 'referral_information',
    });
    expect(schema.associations.map((a) => [a.id, a.fromObjectTypeId, a.toObjectTypeId, a.name])).toEqual([
      ['2001', '2-101', '0-2', 'REFERRAL_TO_COMPANY'],
      ['2002', '0-2', '2-101', 'COMPANY_TO_REFERRAL'],
      ['2003', '2-101', '0-1', 'REFERRAL_TO_CONTACT'],
      ['2004', '0-1', '2-101', 'CONTACT_TO_REFERRAL'],
    ]);
  });

  it('finds the schema by id, fully qualified name and name, and lists only custom objects', async () => {
    for (const ref of ['2-101', 'p20261127_referral', 'referral']) {
      const found = await h.call('GET', `/crm-object-schemas/v3/schemas/${ref}`);
      expect(found.body.objectTypeId).toBe('2-101');
    }
    const all = await h.client.crm.schemas.coreApi.getAll();
    expect(all.results.map((s) => s.objectTypeId)).toEqual(['2-101']);
  });

  it('refuses a second object with the same name with a 409', async () => {
    const again = await h.call('POST', '/crm-object-schemas/v3/schemas', referralSchema);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: 'error', category: 'CONFLICT' });
  });

  it('refuses a schema whose required or display properties are not among its properties', async () => {
    const answer = await h.call('POST', '/crm-object-schemas/v3/schemas', {
      ...referralSchema,
      name: 'admission',
      labels: { singular: 'Admission', plural: 'Admissions' },
      requiredProperties: ['admission_name'],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe('Properties admission_name are not defined on this object.');
    const schemas = await h.client.crm.schemas.coreApi.getAll();
    expect(schemas.results).toHaveLength(1);
  });

  it('updates labels and display settings, and adds an association definition', async () => {
    const patched = await h.call('PATCH', '/crm-object-schemas/v3/schemas/2-101', {
      labels: { singular: 'Patient referral', plural: 'Patient referrals' },
      secondaryDisplayProperties: ['status', 'ehr_id'],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      labels: { singular: 'Patient referral' },
      secondaryDisplayProperties: ['status', 'ehr_id'],
    });

    const definition = await h.call('POST', '/crm-object-schemas/v3/schemas/2-101/associations', {
      fromObjectTypeId: '2-101',
      toObjectTypeId: '0-3',
    });
    expect(definition.body).toMatchObject({ id: '2005', fromObjectTypeId: '2-101', toObjectTypeId: '0-3' });
  });
});

describe('properties and groups', () => {
  it('creates a property group and a property in it, and refuses an existing name with a 409', async () => {
    const group = await h.call('POST', '/crm/v3/properties/companies/groups', {
      name: 'referralynx',
      label: 'Referralynx',
      displayOrder: -1,
    });
    expect(group.status).toBe(201);
    expect(group.body).toEqual({ name: 'referralynx', label: 'Referralynx', displayOrder: -1, archived: false });

    const property = await h.client.crm.properties.coreApi.create('companies', {
      name: 'rlx_source_type',
      label: 'Referral source type',
      type: PropertyCreateTypeEnum.Enumeration,
      fieldType: PropertyCreateFieldTypeEnum.Select,
      groupName: 'referralynx',
      options: [
        { label: 'Hospital', value: 'hospital', displayOrder: 0, hidden: false },
        { label: 'Skilled nursing facility', value: 'snf', displayOrder: 1, hidden: false },
      ],
    });
    expect(property).toMatchObject({
      name: 'rlx_source_type',
      groupName: 'referralynx',
      hasUniqueValue: false,
      archived: false,
    });
    expect(property.options.map((o) => o.value)).toEqual(['hospital', 'snf']);

    const again = await h.call('POST', '/crm/v3/properties/companies', {
      name: 'rlx_source_type',
      label: 'Again',
      type: 'string',
      fieldType: 'text',
      groupName: 'referralynx',
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      category: 'OBJECT_ALREADY_EXISTS',
      message: "Property named 'rlx_source_type' already exists.",
    });
    const duplicateGroup = await h.call('POST', '/crm/v3/properties/companies/groups', {
      name: 'referralynx',
      label: 'Again',
    });
    expect(duplicateGroup.status).toBe(409);
  });

  it('checks definitions as HubSpot does: type and fieldType, options, unique values, group', async () => {
    const base = { label: 'X', groupName: 'referralynx' };
    const cases: Array<[object, string]> = [
      [{ name: 'rlx_a', type: 'string', fieldType: 'select' }, 'fieldType select is not valid for type string'],
      [{ name: 'rlx_b', type: 'enumeration', fieldType: 'select' }, 'enumeration properties need options'],
      [
        {
          name: 'rlx_c',
          type: 'enumeration',
          fieldType: 'radio',
          options: [
            { label: 'Yes', value: 'y' },
            { label: 'Yes', value: 'yes' },
          ],
        },
        "Property option labels must be unique. For the property 'rlx_c' of object type '0-2' these labels are duplicated: Yes",
      ],
      [
        { name: 'rlx_d', type: 'string', fieldType: 'textarea', hasUniqueValue: true },
        'only single-line text and number properties can require unique values',
      ],
      [{ name: 'rlx_e', type: 'string', fieldType: 'text', groupName: 'nope' }, 'Property group nope does not exist.'],
      [{ name: 'Rlx-F', type: 'string', fieldType: 'text' }, 'Property name Rlx-F is invalid'],
    ];
    for (const [definition, message] of cases) {
      const answer = await h.call('POST', '/crm/v3/properties/companies', { ...base, ...definition });
      expect([answer.status, answer.body.category]).toEqual([400, 'VALIDATION_ERROR']);
      expect(answer.body.message).toContain(message);
    }
    const unique = await h.call('POST', '/crm/v3/properties/companies', {
      ...base,
      name: 'rlx_npi',
      type: 'number',
      fieldType: 'number',
      hasUniqueValue: true,
    });
    expect(unique.body).toMatchObject({ name: 'rlx_npi', hasUniqueValue: true });
  });

  it('edits, archives and batch-creates properties', async () => {
    const edited = await h.call('PATCH', '/crm/v3/properties/companies/rlx_source_type', {
      label: 'Source type',
      options: [
        { label: 'Hospital', value: 'hospital' },
        { label: 'Skilled nursing facility', value: 'snf' },
        { label: 'Physician practice', value: 'physician' },
      ],
    });
    expect(edited.body).toMatchObject({ label: 'Source type', groupName: 'referralynx' });
    expect(edited.body.options.map((o: { value: string }) => o.value)).toEqual(['hospital', 'snf', 'physician']);
    const hubspotDefined = await h.call('PATCH', '/crm/v3/properties/companies/name', { label: 'Company' });
    expect(hubspotDefined.status).toBe(400);

    expect((await h.call('DELETE', '/crm/v3/properties/companies/rlx_npi')).status).toBe(204);
    expect((await h.call('GET', '/crm/v3/properties/companies/rlx_npi')).status).toBe(404);
    const archived = await h.call('GET', '/crm/v3/properties/companies?archived=true');
    expect(archived.body.results.map((p: { name: string }) => p.name)).toEqual(['rlx_npi']);

    const batch = await h.call('POST', '/crm/v3/properties/companies/batch/create', {
      inputs: [
        {
          name: 'rlx_referrals_30d',
          label: 'Referrals (30 days)',
          type: 'number',
          fieldType: 'number',
          groupName: 'referralynx',
        },
        { name: 'rlx_source_type', label: 'Taken', type: 'string', fieldType: 'text', groupName: 'referralynx' },
      ],
    });
    expect(batch.status).toBe(207);
    expect(batch.body.results.map((p: { name: string }) => p.name)).toEqual(['rlx_referrals_30d']);
    expect(batch.body.errors).toEqual([
      {
        status: 'error',
        category: 'OBJECT_ALREADY_EXISTS',
        message: "Property named 'rlx_source_type' already exists.",
        context: { name: ['rlx_source_type'] },
      },
    ]);
    const read = await h.call('POST', '/crm/v3/properties/companies/batch/read', {
      inputs: [{ name: 'rlx_referrals_30d' }, { name: 'domain' }],
    });
    expect(read.body.results.map((p: { name: string }) => p.name)).toEqual(['rlx_referrals_30d', 'domain']);
  });
});

describe('pipelines', () => {
  it('starts a custom object with no pipeline and deals with their default one', async () => {
    expect((await h.call('GET', '/crm/v3/pipelines/2-101')).body).toEqual({ results: [] });
    const deals = await h.client.crm.pipelines.pipelinesApi.getAll('deals');
    expect(deals.results.map((p) => [p.id, p.stages.length])).toEqual([['default', 7]]);
    expect((await h.call('GET', '/crm/v3/pipelines/contacts')).status).toBe(400);
  });

  it('creates a pipeline with stages, adds and edits a stage', async () => {
    const created = await h.client.crm.pipelines.pipelinesApi.create('2-101', {
      label: 'Referral intake',
      displayOrder: 0,
      stages: [
        { label: 'Received', displayOrder: 0, metadata: { isClosed: 'false' } },
        { label: 'Accepted', displayOrder: 1, metadata: { isClosed: 'false' } },
        { label: 'Admitted', displayOrder: 2, metadata: { isClosed: 'true' } },
      ],
    });
    expect(created.id).toBe('5001');
    expect(created.stages.map((s) => [s.id, s.label, s.displayOrder, s.metadata, s.archived])).toEqual([
      ['5002', 'Received', 0, { isClosed: 'false' }, false],
      ['5003', 'Accepted', 1, { isClosed: 'false' }, false],
      ['5004', 'Admitted', 2, { isClosed: 'true' }, false],
    ]);
    const stage = await h.call('POST', '/crm/v3/pipelines/2-101/5001/stages', {
      label: 'Non-admitted',
      displayOrder: 3,
      metadata: { isClosed: true },
    });
    expect(stage.status).toBe(201);
    expect(stage.body).toMatchObject({ id: '5005', label: 'Non-admitted', metadata: { isClosed: 'true' } });
    const renamed = await h.call('PATCH', '/crm/v3/pipelines/2-101/5001/stages/5003', { label: 'Accepted by intake' });
    expect(renamed.body).toMatchObject({ id: '5003', label: 'Accepted by intake', displayOrder: 1 });
    const pipeline = await h.call('GET', '/crm/v3/pipelines/2-101/5001');
    expect(pipeline.body.stages.map((s: { label: string }) => s.label)).toEqual([
      'Received',
      'Accepted by intake',
      'Admitted',
      'Non-admitted',
    ]);
  });

  it('needs a probability on deal stages', async () => {
    const answer = await h.call('POST', '/crm/v3/pipelines/deals', {
      label: 'Partnerships',
      stages: [{ label: 'Talking', metadata: {} }],
    });
    expect(answer.status).toBe(400);
  });

  it("keeps a record's stage within its pipeline, putting it in the first pipeline when none is given", async () => {
    const placed = await h.call('POST', '/crm/v3/objects/referral', {
      properties: { referral_name: 'Staged', ehr_id: 'S-1', hs_pipeline_stage: '5003' },
    });
    expect(placed.status).toBe(201);
    expect(placed.body.properties).toMatchObject({ hs_pipeline: '5001', hs_pipeline_stage: '5003' });
    const wrong = await h.call('PATCH', `/crm/v3/objects/referral/${placed.body.id}`, {
      properties: { hs_pipeline_stage: 'closedwon' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual([
      {
        message: 'closedwon was not one of the allowed options: [5002, 5003, 5004, 5005]',
        code: 'INVALID_OPTION',
        context: { propertyName: ['hs_pipeline_stage'] },
      },
    ]);
    const owner = await h.call('PATCH', `/crm/v3/objects/referral/${placed.body.id}`, {
      properties: { hubspot_owner_id: '12345' },
    });
    expect(owner.body.errors[0]).toMatchObject({
      code: 'INVALID_OPTION',
      context: { propertyName: ['hubspot_owner_id'] },
    });
    const liaison = await h.call('PATCH', `/crm/v3/objects/referral/${placed.body.id}`, {
      properties: { hubspot_owner_id: '71000101' },
    });
    expect(liaison.body.properties.hubspot_owner_id).toBe('71000101');
  });
});

describe('persistence', () => {
  it('shows the same CRM to a new sandbox on the same database, and keeps counting ids', async () => {
    const record = await h.call('POST', '/crm/v3/objects/referral', {
      properties: { referral_name: 'Before restart', ehr_id: 'P-1' },
    });
    // A second process on the same database: it shares nothing with the first but PostgreSQL.
    const restarted = await startSandbox({ pool: h.db.pool, port: 0 });
    try {
      const client = clientFor(restarted);
      const schema = await callWith(client, 'GET', '/crm-object-schemas/v3/schemas/p20261127_referral');
      expect(schema.body.labels.singular).toBe('Patient referral');
      const found = await callWith(
        client,
        'GET',
        '/crm/v3/objects/referral/P-1?idProperty=ehr_id&properties=referral_name',
      );
      expect(found.body).toMatchObject({ id: record.body.id, properties: { referral_name: 'Before restart' } });
      const property = await callWith(client, 'GET', '/crm/v3/properties/companies/rlx_source_type');
      expect(property.body.label).toBe('Source type');
      const pipelines = await callWith(client, 'GET', '/crm/v3/pipelines/referral');
      expect(pipelines.body.results.map((p: { id: string }) => p.id)).toEqual(['5001']);
      // The unique value survived too.
      const taken = await callWith(client, 'POST', '/crm/v3/objects/referral', {
        properties: { referral_name: 'Dup', ehr_id: 'P-1' },
      });
      expect(taken.status).toBe(409);
      const next = await callWith(client, 'POST', '/crm/v3/objects/referral', {
        properties: { referral_name: 'After restart', ehr_id: 'P-2' },
      });
      expect(Number(next.body.id)).toBe(Number(record.body.id) + 1);
    } finally {
      await restarted.close();
    }
  });

  it('migrates and seeds once when several sandboxes start together on a fresh database', async () => {
    const fresh = await createTestDatabase('sandbox_concurrent_start', { migrate: false });
    const pools = [1, 2, 3].map(() => createPool(fresh.url, 2));
    try {
      const sandboxes = await Promise.all(pools.map((pool) => createSandbox({ pool, portalId: 777001 })));
      expect(sandboxes.map((s) => s.portalId)).toEqual([777001, 777001, 777001]);
      const { rows: versions } = await fresh.pool.query('SELECT version FROM crm_sandbox.schema_migrations');
      expect(versions).toEqual([{ version: 1 }]);
      const { rows: owners } = await fresh.pool.query(
        'SELECT count(*)::int AS n FROM crm_sandbox.owners WHERE portal_id = 777001',
      );
      expect(owners).toEqual([{ n: 5 }]);
      const { rows: withoutPortal } = await fresh.pool.query(`
        SELECT t.table_name FROM information_schema.tables t
        WHERE t.table_schema = 'crm_sandbox' AND t.table_type = 'BASE TABLE' AND t.table_name <> 'schema_migrations'
          AND NOT EXISTS (SELECT 1 FROM information_schema.columns c
                          WHERE c.table_schema = 'crm_sandbox' AND c.table_name = t.table_name AND c.column_name = 'portal_id')`);
      expect(withoutPortal).toEqual([]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await dropTestDatabase(fresh);
    }
  });
});
