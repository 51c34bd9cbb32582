import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/companies';
import { startTestSandbox, type SandboxHarness } from '../support/sandbox';

/** POST /crm/v3/objects/{objectType}/search over seven referral sources with hand-picked values. */

let h: SandboxHarness;
/** Company name -> id, as created. */
const ids = new Map<string, string>();

const sources = [
  { name: 'Mercy General Hospital', city: 'Columbus', state: 'OH', rlx_beds: 420, industry: 'HOSPITAL_HEALTH_CARE' },
  { name: 'St. Anne Skilled Nursing', city: 'Dayton', state: 'OH', rlx_beds: 120 },
  { name: 'Riverside Family Practice', city: 'columbus', state: 'OH', industry: 'MEDICAL_PRACTICE' },
  { name: 'Lakeview General', city: 'Toledo', state: 'OH', rlx_beds: 310, industry: 'HOSPITAL_HEALTH_CARE' },
  { name: 'Maple Grove Assisted Living', city: 'Dayton', rlx_beds: 80 },
  { name: 'Northside Case Management', state: 'KY' },
  { name: 'Generalist Clinic', city: 'Akron', state: 'OH', rlx_beds: 10 },
];

beforeAll(async () => {
  h = await startTestSandbox('sandbox_search', { searchRequestsPerSecond: 1000 });
  const property = await h.call('POST', '/crm/v3/properties/companies', {
    name: 'rlx_beds',
    label: 'Licensed beds',
    type: 'number',
    fieldType: 'number',
    groupName: 'companyinformation',
  });
  expect(property.status).toBe(201);
  const created = await h.call('POST', '/crm/v3/objects/companies/batch/create', {
    inputs: sources.map((properties) => ({ properties })),
  });
  expect(created.status).toBe(201);
  for (const result of created.body.results as Array<{ id: string; properties: { name: string } }>)
    ids.set(result.properties.name, result.id);
});
afterAll(async () => {
  await h.close();
});

type Filter = { propertyName: string; operator: string; value?: unknown; values?: unknown[]; highValue?: unknown };

async function names(filterGroups: Array<{ filters: Filter[] }>, extra: object = {}): Promise<string[]> {
  const answer = await h.call('POST', '/crm/v3/objects/companies/search', {
    filterGroups,
    properties: ['name'],
    sorts: [{ propertyName: 'name', direction: 'ASCENDING' }],
    limit: 100,
    ...extra,
  });
  expect(answer.status).toBe(200);
  return answer.body.results.map((r: { properties: { name: string } }) => r.properties.name);
}

describe('filters', () => {
  it('EQ on text ignores case; NEQ also matches records without the property', async () => {
    expect(await names([{ filters: [{ propertyName: 'city', operator: 'EQ', value: 'COLUMBUS' }] }])).toEqual([
      'Mercy General Hospital',
      'Riverside Family Practice',
    ]);
    expect(await names([{ filters: [{ propertyName: 'state', operator: 'NEQ', value: 'OH' }] }])).toEqual([
      'Maple Grove Assisted Living',
      'Northside Case Management',
    ]);
  });

  it('compares numbers as numbers (GT, LTE, BETWEEN) and lists with IN / NOT_IN', async () => {
    // As text "80" > "310"; as numbers it is not.
    expect(await names([{ filters: [{ propertyName: 'rlx_beds', operator: 'GT', value: '100' }] }])).toEqual([
      'Lakeview General',
      'Mercy General Hospital',
      'St. Anne Skilled Nursing',
    ]);
    expect(await names([{ filters: [{ propertyName: 'rlx_beds', operator: 'LTE', value: 80 }] }])).toEqual([
      'Generalist Clinic',
      'Maple Grove Assisted Living',
    ]);
    expect(
      await names([{ filters: [{ propertyName: 'rlx_beds', operator: 'BETWEEN', value: '100', highValue: '310' }] }]),
    ).toEqual(['Lakeview General', 'St. Anne Skilled Nursing']);
    expect(await names([{ filters: [{ propertyName: 'city', operator: 'IN', values: ['dayton', 'akron'] }] }])).toEqual(
      ['Generalist Clinic', 'Maple Grove Assisted Living', 'St. Anne Skilled Nursing'],
    );
    expect(
      await names([
        {
          filters: [
            { propertyName: 'industry', operator: 'NOT_IN', values: ['HOSPITAL_HEALTH_CARE', 'MEDICAL_PRACTICE'] },
          ],
        },
      ]),
    ).toEqual([
      'Generalist Clinic',
      'Maple Grove Assisted Living',
      'Northside Case Management',
      'St. Anne Skilled Nursing',
    ]);
  });

  it('HAS_PROPERTY, NOT_HAS_PROPERTY and CONTAINS_TOKEN (whole words, or * patterns)', async () => {
    expect(await names([{ filters: [{ propertyName: 'city', operator: 'NOT_HAS_PROPERTY' }] }])).toEqual([
      'Northside Case Management',
    ]);
    expect((await names([{ filters: [{ propertyName: 'rlx_beds', operator: 'HAS_PROPERTY' }] }])).length).toBe(5);
    // "General" is a word of two names; "Generalist" is another word.
    expect(
      await names([{ filters: [{ propertyName: 'name', operator: 'CONTAINS_TOKEN', value: 'general' }] }]),
    ).toEqual(['Lakeview General', 'Mercy General Hospital']);
    expect(
      await names([{ filters: [{ propertyName: 'name', operator: 'CONTAINS_TOKEN', value: 'general*' }] }]),
    ).toEqual(['Generalist Clinic']);
  });

  it('ANDs the filters of a group and ORs the groups', async () => {
    expect(
      await names([
        {
          filters: [
            { propertyName: 'city', operator: 'EQ', value: 'Dayton' },
            { propertyName: 'rlx_beds', operator: 'GTE', value: 100 },
          ],
        },
        { filters: [{ propertyName: 'state', operator: 'EQ', value: 'KY' }] },
      ]),
    ).toEqual(['Northside Case Management', 'St. Anne Skilled Nursing']);
  });

  it('filters the create date given in epoch milliseconds', async () => {
    const future = Date.now() + 60_000;
    expect(
      await names([{ filters: [{ propertyName: 'createdate', operator: 'GTE', value: String(future) }] }]),
    ).toEqual([]);
    expect((await names([{ filters: [{ propertyName: 'createdate', operator: 'LT', value: future }] }])).length).toBe(
      7,
    );
  });
});

describe('sorting, paging and limits', () => {
  it('sorts, pages with after and reports the total, through the typed client', async () => {
    const request = {
      filterGroups: [{ filters: [{ propertyName: 'rlx_beds', operator: FilterOperatorEnum.HasProperty }] }],
      sorts: ['-rlx_beds'],
      properties: ['name', 'rlx_beds'],
      limit: 2,
      after: '0',
    };
    const first = await h.client.crm.companies.searchApi.doSearch(request);
    expect(first.total).toBe(5);
    expect(first.results.map((r) => r.properties.rlx_beds)).toEqual(['420', '310']);
    expect(first.paging?.next?.after).toBe('2');
    const second = await h.client.crm.companies.searchApi.doSearch({ ...request, after: '2' });
    expect(second.results.map((r) => r.properties.rlx_beds)).toEqual(['120', '80']);
    const last = await h.client.crm.companies.searchApi.doSearch({ ...request, after: '4' });
    expect(last.results.map((r) => r.properties.rlx_beds)).toEqual(['10']);
    expect(last.paging).toBeUndefined();
  });

  it('returns the default properties when none are asked for, and no rate limit headers', async () => {
    const answer = await h.call('POST', '/crm/v3/objects/companies/search', {
      filterGroups: [
        { filters: [{ propertyName: 'hs_object_id', operator: 'EQ', value: ids.get('Lakeview General') }] },
      ],
    });
    expect(answer.body.results).toHaveLength(1);
    expect(Object.keys(answer.body.results[0].properties).sort()).toEqual([
      'createdate',
      'domain',
      'hs_lastmodifieddate',
      'hs_object_id',
      'name',
    ]);
    expect(answer.headers.get('x-hubspot-ratelimit-max')).toBeNull();
    expect(answer.headers.get('x-hubspot-ratelimit-daily')).toBeNull();
  });

  it('refuses more than 200 results a page, paging past 10,000 results, and too many filters', async () => {
    const tooLarge = await h.call('POST', '/crm/v3/objects/companies/search', { limit: 201 });
    expect([tooLarge.status, tooLarge.body.category]).toEqual([400, 'VALIDATION_ERROR']);
    const tooDeep = await h.call('POST', '/crm/v3/objects/companies/search', { limit: 10, after: '10000' });
    expect([tooDeep.status, tooDeep.body.category]).toEqual([400, 'VALIDATION_ERROR']);
    const lastReachable = await h.call('POST', '/crm/v3/objects/companies/search', { limit: 10, after: '9990' });
    expect(lastReachable.status).toBe(200);
    const group = { filters: [{ propertyName: 'state', operator: 'EQ', value: 'OH' }] };
    const sixGroups = await h.call('POST', '/crm/v3/objects/companies/search', {
      filterGroups: Array.from({ length: 6 }, () => group),
    });
    expect(sixGroups.status).toBe(400);
    const fiveGroups = await h.call('POST', '/crm/v3/objects/companies/search', {
      filterGroups: Array.from({ length: 5 }, () => group),
    });
    expect(fiveGroups.status).toBe(200);
  });
});
