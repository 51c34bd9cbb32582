import { startTestSandbox, type SandboxHarness } from '../support/sandbox';

/**
 * Records through the objects API, driven with the real @hubspot/api-client. Ids are hand-worked: the portal's
 * first record is 1001, its first custom object 2-101 (server/sandbox/catalog.ts, ID_SEQUENCE_STARTS).
 */

let h: SandboxHarness;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeAll(async () => {
  // Searches count the records here; the per-second search limit has its own test (access.test.ts).
  h = await startTestSandbox('sandbox_records', { searchRequestsPerSecond: 1000 });
  const schema = await h.call('POST', '/crm-object-schemas/v3/schemas', {
    name: 'referral',
    labels: { singular: 'Referral', plural: 'Referrals' },
    primaryDisplayProperty: 'referral_name',
    requiredProperties: ['referral_name'],
    searchableProperties: ['referral_name'],
    secondaryDisplayProperties: [],
    associatedObjects: ['COMPANY'],
    properties: [
      { name: 'referral_name', label: 'Referral', type: 'string', fieldType: 'text' },
      { name: 'ehr_id', label: 'EHR referral id', type: 'string', fieldType: 'text', hasUniqueValue: true },
      {
        name: 'status',
        label: 'Status',
        type: 'enumeration',
        fieldType: 'select',
        options: [
          { label: 'Received', value: 'received' },
          { label: 'Admitted', value: 'admitted' },
        ],
      },
      { name: 'hours_to_soc', label: 'Hours to SOC', type: 'number', fieldType: 'number' },
      { name: 'received_at', label: 'Received at', type: 'datetime', fieldType: 'date' },
      { name: 'referral_date', label: 'Referral date', type: 'date', fieldType: 'date' },
    ],
  });
  expect(schema.status).toBe(201);
  expect(schema.body.objectTypeId).toBe('2-101');
});
afterAll(async () => {
  await h.close();
});

async function countReferrals(): Promise<number> {
  const found = await h.call('POST', '/crm/v3/objects/referral/search', { limit: 1 });
  return found.body.total as number;
}

describe('creating and reading records', () => {
  it('gives a new company the next generated id and HubSpot default properties', async () => {
    const first = await h.client.crm.companies.basicApi.create({
      properties: { name: 'Mercy General Hospital', domain: 'mercygeneral.example', city: 'Columbus' },
      associations: [],
    });
    expect(first.id).toBe('1001');
    expect(first.properties).toEqual({
      createdate: first.createdAt.toISOString(),
      hs_lastmodifieddate: first.updatedAt.toISOString(),
      hs_object_id: '1001',
      name: 'Mercy General Hospital',
      domain: 'mercygeneral.example',
      city: 'Columbus',
    });
    expect(first.archived).toBe(false);

    const second = await h.call('POST', '/crm/v3/objects/0-2', { properties: { name: 'St. Anne Skilled Nursing' } });
    expect(second.status).toBe(201);
    expect(second.body.id).toBe('1002');

    // Requested properties only, unset ones as null, unknown names ignored.
    const read = await h.call('GET', '/crm/v3/objects/companies/1001?properties=name,phone,no_such_property');
    expect(read.status).toBe(200);
    expect(read.body.properties).toEqual({ name: 'Mercy General Hospital', phone: null });
  });

  it('stores values as HubSpot returns them: numbers, instants and midnight dates as strings', async () => {
    const created = await h.call('POST', '/crm/v3/objects/p20261127_referral', {
      properties: {
        referral_name: 'Referral 2023-11-14 · Mercy General · Home health',
        ehr_id: 'R-0001',
        hours_to_soc: 4.5,
        received_at: '1700000000123',
        referral_date: 1699920000000,
        status: 'received',
      },
    });
    expect(created.status).toBe(201);
    const read = await h.call(
      'GET',
      `/crm/v3/objects/2-101/${created.body.id}?properties=hours_to_soc,received_at,referral_date,status`,
    );
    expect(read.body.properties).toEqual({
      hours_to_soc: '4.5',
      received_at: '2023-11-14T22:13:20.123Z',
      referral_date: '2023-11-14',
      status: 'received',
    });
  });

  it('answers an unknown property with HubSpot PROPERTY_DOESNT_EXIST body and writes nothing', async () => {
    const before = await countReferrals();
    const answer = await h.call('POST', '/crm/v3/objects/referral', {
      properties: { referral_name: 'x', favorite_color: 'blue' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      status: 'error',
      message:
        'Property values were not valid: [{"isValid":false,"message":"Property \\"favorite_color\\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"favorite_color","localizedErrorMessage":"Property \\"favorite_color\\" does not exist"}]',
      correlationId: expect.stringMatching(UUID),
      category: 'VALIDATION_ERROR',
      errors: [
        {
          message: 'Property "favorite_color" does not exist',
          code: 'PROPERTY_DOESNT_EXIST',
          context: { propertyName: ['favorite_color'] },
        },
      ],
    });
    expect(answer.headers.get('x-hubspot-correlation-id')).toBe(answer.body.correlationId);
    expect(await countReferrals()).toBe(before);
  });

  it('lists every invalid value of a write: option, number, date not at midnight, read-only, required', async () => {
    const answer = await h.call('POST', '/crm/v3/objects/referral', {
      properties: { status: 'lost', hours_to_soc: 'many', referral_date: 1700000000123, hs_object_id: '5' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      {
        message: 'lost was not one of the allowed options: [received, admitted]',
        code: 'INVALID_OPTION',
        context: { propertyName: ['status'] },
      },
      { message: 'many was not a valid number.', code: 'INVALID_FLOAT', context: { propertyName: ['hours_to_soc'] } },
      {
        message: '1700000000123 is at 22:13:20.123 UTC, not midnight!',
        code: 'INVALID_DATE',
        context: { propertyName: ['referral_date'] },
      },
      {
        message: 'hs_object_id is a read only property; its value cannot be set.',
        code: 'READ_ONLY_VALUE',
        context: { propertyName: ['hs_object_id'] },
      },
      {
        message: 'Property "referral_name" is required',
        code: 'REQUIRED_PROPERTY',
        context: { propertyName: ['referral_name'] },
      },
    ]);
  });

  it('answers an object type it cannot resolve with a 400', async () => {
    const answer = await h.call('GET', '/crm/v3/objects/referrals');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      status: 'error',
      category: 'VALIDATION_ERROR',
      message: 'Unable to infer object type from: referrals',
    });
  });

  it('surfaces errors through the typed client as HubSpot does (code and parsed body)', async () => {
    await expect(
      h.client.crm.companies.basicApi.create({ properties: { shoe_size: '9' }, associations: [] }),
    ).rejects.toMatchObject({ code: 400, body: { category: 'VALIDATION_ERROR', status: 'error' } });
  });

  it('pages through a list in id order with the after cursor', async () => {
    const ids: string[] = [];
    for (const subject of ['Call Mercy General discharge planner', 'Drop off brochures', 'Thank Dr. Okafor']) {
      const task = await h.client.crm.objects.basicApi.create('tasks', {
        properties: { hs_task_subject: subject, hs_timestamp: '2026-11-30T14:00:00Z' },
        associations: [],
      });
      ids.push(task.id);
    }
    const first = await h.client.crm.objects.basicApi.getPage('tasks', 2, undefined, ['hs_task_subject']);
    expect(first.results.map((t) => t.properties.hs_task_subject)).toEqual([
      'Call Mercy General discharge planner',
      'Drop off brochures',
    ]);
    expect(first.paging?.next?.after).toBe(ids[1]);
    const second = await h.client.crm.objects.basicApi.getPage('tasks', 2, first.paging?.next?.after, [
      'hs_task_subject',
    ]);
    expect(second.results.map((t) => t.id)).toEqual([ids[2]]);
    expect(second.paging).toBeUndefined();
  });

  it('archives a record: 204, then 404 unless archived records are asked for', async () => {
    const note = await h.call('POST', '/crm/v3/objects/notes', {
      properties: { hs_timestamp: '2026-11-27T10:00:00Z', hs_note_body: 'Intake called back' },
    });
    const removed = await h.call('DELETE', `/crm/v3/objects/notes/${note.body.id}`);
    expect(removed.status).toBe(204);
    const gone = await h.call('GET', `/crm/v3/objects/notes/${note.body.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND', context: { id: [note.body.id] } });
    const archived = await h.call('GET', `/crm/v3/objects/notes/${note.body.id}?archived=true`);
    expect(archived.body).toMatchObject({ id: note.body.id, archived: true });
  });
});

describe('unique values', () => {
  it('refuses a second record with a taken value (409), on create and on update, and frees it on archive', async () => {
    const first = await h.call('POST', '/crm/v3/objects/referral', {
      properties: { referral_name: 'First', ehr_id: 'R-0100' },
    });
    const taken = await h.call('POST', '/crm/v3/objects/referral', {
      properties: { referral_name: 'Second', ehr_id: 'R-0100' },
    });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({
      status: 'error',
      category: 'CONFLICT',
      message: `Referral already exists. Existing ID: ${first.body.id}`,
      context: { existingId: [first.body.id] },
    });

    const other = await h.call('POST', '/crm/v3/objects/referral', {
      properties: { referral_name: 'Other', ehr_id: 'R-0101' },
    });
    const moved = await h.call('PATCH', `/crm/v3/objects/referral/${other.body.id}`, {
      properties: { ehr_id: 'R-0100' },
    });
    expect(moved.status).toBe(409);
    // Writing a record's own value again is no conflict.
    const same = await h.call('PATCH', `/crm/v3/objects/referral/${first.body.id}`, {
      properties: { ehr_id: 'R-0100', referral_name: 'First (edited)' },
    });
    expect(same.status).toBe(200);

    expect((await h.call('DELETE', `/crm/v3/objects/referral/${first.body.id}`)).status).toBe(204);
    const reused = await h.call('PATCH', `/crm/v3/objects/referral/${other.body.id}`, {
      properties: { ehr_id: 'R-0100' },
    });
    expect(reused.status).toBe(200);
  });

  it('addresses a record by its unique property with idProperty', async () => {
    const created = await h.call('POST', '/crm/v3/objects/referral', {
      properties: { referral_name: 'By EHR id', ehr_id: 'R-0200' },
    });
    const read = await h.call('GET', '/crm/v3/objects/referral/R-0200?idProperty=ehr_id&properties=referral_name');
    expect(read.body).toMatchObject({ id: created.body.id, properties: { referral_name: 'By EHR id' } });
    const updated = await h.call('PATCH', '/crm/v3/objects/referral/R-0200?idProperty=ehr_id', {
      properties: { status: 'admitted' },
    });
    expect(updated.body).toMatchObject({ id: created.body.id, properties: { status: 'admitted' } });
    const nonUnique = await h.call('GET', '/crm/v3/objects/referral/By%20EHR%20id?idProperty=referral_name');
    expect(nonUnique.status).toBe(400);
  });
});

describe('batch upsert', () => {
  it('creates by idProperty, then updates the same records', async () => {
    const created = await h.client.crm.objects.batchApi.upsert('referral', {
      inputs: [
        { id: 'R-0300', idProperty: 'ehr_id', properties: { referral_name: 'Upserted A', status: 'received' } },
        { id: 'R-0301', idProperty: 'ehr_id', properties: { referral_name: 'Upserted B' } },
      ],
    });
    expect(created.status).toBe('COMPLETE');
    expect(created.results.map((r) => r.properties.ehr_id)).toEqual(['R-0300', 'R-0301']);
    expect(created.results.map((r) => r._new)).toEqual([true, true]);
    const [a, b] = created.results.map((r) => r.id);

    const again = await h.call('POST', '/crm/v3/objects/referral/batch/upsert', {
      inputs: [
        { id: 'R-0300', idProperty: 'ehr_id', properties: { status: 'admitted' } },
        { id: 'R-0302', idProperty: 'ehr_id', properties: { referral_name: 'Upserted C' } },
      ],
    });
    expect(again.status).toBe(200);
    expect(again.body.results.map((r: { id: string; new: boolean }) => [r.id === a, r.new])).toEqual([
      [true, false],
      [false, true],
    ]);
    const read = await h.call('POST', '/crm/v3/objects/referral/batch/read', {
      idProperty: 'ehr_id',
      inputs: [{ id: 'R-0300' }, { id: 'R-0301' }],
      properties: ['referral_name', 'status'],
    });
    expect(read.body.results.map((r: { id: string; properties: object }) => [r.id, r.properties])).toEqual([
      [a, { referral_name: 'Upserted A', status: 'admitted' }],
      [b, { referral_name: 'Upserted B', status: null }],
    ]);
  });

  it('takes only a unique property as idProperty', async () => {
    const answer = await h.call('POST', '/crm/v3/objects/referral/batch/upsert', {
      inputs: [{ id: 'Upserted A', idProperty: 'referral_name', properties: { status: 'admitted' } }],
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      category: 'VALIDATION_ERROR',
      message: 'Unable to perform update/upsert by non-unique 2-101 property referral_name in portal ID 20261127',
    });
  });

  it('rejects duplicate ids inside one batch with HubSpot message, writing nothing', async () => {
    const before = await countReferrals();
    const answer = await h.call('POST', '/crm/v3/objects/referral/batch/upsert', {
      inputs: [
        { id: 'R-0400', idProperty: 'ehr_id', properties: { referral_name: 'One' } },
        { id: 'R-0401', idProperty: 'ehr_id', properties: { referral_name: 'Two' } },
        { id: 'R-0400', idProperty: 'ehr_id', properties: { referral_name: 'One again' } },
      ],
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      status: 'error',
      category: 'VALIDATION_ERROR',
      message: 'Duplicate IDs found in batch input: [R-0400]. IDs must be unique',
      context: { ids: ['R-0400'] },
    });
    expect(await countReferrals()).toBe(before);

    const update = await h.call('POST', '/crm/v3/objects/companies/batch/update', {
      inputs: [
        { id: '1001', properties: { city: 'Dayton' } },
        { id: '1001', properties: { city: 'Akron' } },
      ],
    });
    expect(update.body.message).toBe('Duplicate IDs found in batch input: [1001]. IDs must be unique');
  });

  it('accepts 100 inputs and refuses 101 with a VALIDATION_ERROR, writing nothing', async () => {
    const inputs = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({
        id: `${prefix}-${i}`,
        idProperty: 'ehr_id',
        properties: { referral_name: `Bulk ${i}` },
      }));
    const before = await countReferrals();
    const tooMany = await h.call('POST', '/crm/v3/objects/referral/batch/upsert', { inputs: inputs(101, 'BULK101') });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({
      status: 'error',
      category: 'VALIDATION_ERROR',
      correlationId: expect.stringMatching(UUID),
    });
    expect(tooMany.body.message).toContain('100');
    expect(await countReferrals()).toBe(before);

    const hundred = await h.call('POST', '/crm/v3/objects/referral/batch/upsert', { inputs: inputs(100, 'BULK100') });
    expect(hundred.status).toBe(200);
    expect(hundred.body.results).toHaveLength(100);
    expect(await countReferrals()).toBe(before + 100);
  });

  it('upserts 100 records in well under a second, on create and on update', async () => {
    const inputs = Array.from({ length: 100 }, (_, i) => ({
      id: `PERF-${i}`,
      idProperty: 'ehr_id',
      properties: { referral_name: `Perf ${i}`, status: 'received', hours_to_soc: i },
    }));
    for (const round of ['create', 'update']) {
      const started = performance.now();
      const answer = await h.call('POST', '/crm/v3/objects/referral/batch/upsert', { inputs });
      const elapsed = performance.now() - started;
      expect(answer.status).toBe(200);
      expect(answer.body.results.every((r: { new: boolean }) => r.new === (round === 'create'))).toBe(true);
      expect(elapsed).toBeLessThan(250);
    }
  });
});

describe('batch partial failures', () => {
  it('fails a batch create as a whole without trace ids, and writes nothing', async () => {
    const before = await countReferrals();
    const answer = await h.call('POST', '/crm/v3/objects/referral/batch/create', {
      inputs: [
        { properties: { referral_name: 'Fine', ehr_id: 'R-0500' } },
        { properties: { referral_name: 'Broken', nope: '1' } },
      ],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      { message: 'Property "nope" does not exist', code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: ['nope'] } },
    ]);
    expect(await countReferrals()).toBe(before);
  });

  it('answers 207 with per-input errors when every input has an objectWriteTraceId', async () => {
    const holder = await h.call('POST', '/crm/v3/objects/referral', {
      properties: { referral_name: 'Holder', ehr_id: 'R-0600' },
    });
    const before = await countReferrals();
    const answer = await h.call('POST', '/crm/v3/objects/referral/batch/create', {
      inputs: [
        { objectWriteTraceId: 't-ok', properties: { referral_name: 'Fine', ehr_id: 'R-0601' } },
        { objectWriteTraceId: 't-bad-property', properties: { referral_name: 'Broken', nope: '1' } },
        { objectWriteTraceId: 't-taken', properties: { referral_name: 'Taken', ehr_id: 'R-0600' } },
      ],
    });
    expect(answer.status).toBe(207);
    expect(answer.body).toMatchObject({ status: 'COMPLETE', numErrors: 2 });
    expect(answer.body.results).toHaveLength(1);
    expect(answer.body.results[0]).toMatchObject({ objectWriteTraceId: 't-ok', properties: { ehr_id: 'R-0601' } });
    expect(answer.body.errors).toEqual([
      {
        status: 'error',
        category: 'VALIDATION_ERROR',
        message: expect.stringContaining('PROPERTY_DOESNT_EXIST'),
        context: { objectWriteTraceId: ['t-bad-property'] },
        errors: [
          {
            message: 'Property "nope" does not exist',
            code: 'PROPERTY_DOESNT_EXIST',
            context: { propertyName: ['nope'] },
          },
        ],
      },
      {
        status: 'error',
        category: 'CONFLICT',
        message: `Referral already exists. Existing ID: ${holder.body.id}`,
        context: { existingId: [holder.body.id], objectWriteTraceId: ['t-taken'] },
        errors: [
          { message: `A referral with ehr_id R-0600 already exists. Existing ID: ${holder.body.id}`, in: 'ehr_id' },
        ],
      },
    ]);
    expect(await countReferrals()).toBe(before + 1);
  });

  it('answers a batch update of a missing record with 207, updating the others', async () => {
    const answer = await h.call('POST', '/crm/v3/objects/companies/batch/update', {
      inputs: [
        { id: '1002', properties: { city: 'Dayton' } },
        { id: '999999', properties: { city: 'Nowhere' } },
      ],
    });
    expect(answer.status).toBe(207);
    expect(
      answer.body.results.map((r: { id: string; properties: { city: string } }) => [r.id, r.properties.city]),
    ).toEqual([['1002', 'Dayton']]);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({ status: 'error', category: 'OBJECT_NOT_FOUND', context: { id: ['999999'] } }),
    ]);
    const read = await h.client.crm.companies.basicApi.getById('1002', ['city']);
    expect(read.properties.city).toBe('Dayton');
  });

  it('reads a batch in input order and lists the ids it cannot find in one 207 error', async () => {
    const answer = await h.call('POST', '/crm/v3/objects/companies/batch/read', {
      inputs: [{ id: '1002' }, { id: '424242' }, { id: '1001' }],
      properties: ['name'],
    });
    expect(answer.status).toBe(207);
    expect(answer.body.results.map((r: { id: string }) => r.id)).toEqual(['1002', '1001']);
    expect(answer.body.errors).toEqual([
      {
        status: 'error',
        category: 'OBJECT_NOT_FOUND',
        message: 'Could not get some COMPANY objects, they may be deleted or not exist. Check that ids are valid.',
        context: { ids: ['424242'] },
      },
    ]);
  });
});
