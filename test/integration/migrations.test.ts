import { defaultFollowUpSettings } from '../../src/domain/followUps';
import { scorecardSettingsSchema } from '../../src/domain/scorecard';
import { migrate } from '../../src/store/migrate';
import { createPool } from '../../src/store/postgres';
import { TenantRepository } from '../../src/store/tenants';
import { createTestDatabase, dropTestDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('migrations', { migrate: false });
});
afterAll(async () => {
  await dropTestDatabase(db);
});

describe('migrations', () => {
  it('applies every migration once even when several processes start together', async () => {
    const pools = [createPool(db.url, 2), createPool(db.url, 2), createPool(db.url, 2)];
    const results = await Promise.all(pools.map((pool) => migrate(pool)));
    await Promise.all(pools.map((pool) => pool.end()));

    const appliedBySomeone = results.flat();
    expect(appliedBySomeone).toContain('001_tenants');
    // Each migration was applied by exactly one of the three.
    expect(new Set(appliedBySomeone).size).toBe(appliedBySomeone.length);
    const { rows } = await db.pool.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(
      [...new Set(appliedBySomeone)].map((name) => Number(name.slice(0, 3))).sort((a, b) => a - b),
    );
    expect(await migrate(db.pool)).toEqual([]);
  });

  it('puts the tenant on every table', async () => {
    const { rows } = await db.pool.query<{ table_name: string }>(`
      SELECT t.table_name FROM information_schema.tables t
      WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND t.table_name <> 'schema_migrations'
        AND NOT EXISTS (SELECT 1 FROM information_schema.columns c
                        WHERE c.table_schema = 'public' AND c.table_name = t.table_name AND c.column_name = 'tenant_id')`);
    expect(rows).toEqual([]);
  });

  it('keeps tenant settings valid: a bad time zone is refused and nothing is written', async () => {
    const tenants = new TenantRepository(db.pool);
    const tenant = await tenants.ensure(4242, 'Sunrise Home Health');
    expect(tenant.settings).toEqual({
      timeZone: 'America/New_York',
      holidayCalendar: 'US',
      phiMode: 'minimum-necessary',
      nameMatchThreshold: 0.85,
      unmatchedSources: 'wait',
      marketerOwners: {},
      // The follow-up rules' own defaults are checked in test/domain/followUps.test.ts.
      followUps: defaultFollowUpSettings,
      scorecard: scorecardSettingsSchema.parse({}),
      // No reason reworded or added: the default list.
      nonAdmitReasons: [],
    });

    await expect(tenants.updateSettings(4242, { timeZone: 'Mars/Olympus_Mons' })).rejects.toThrow(/IANA time zone/);
    await expect(tenants.updateSettings(4242, { holidayCalendar: 'XX' })).rejects.toThrow(/holiday calendar/);
    expect((await tenants.find(4242))?.settings.timeZone).toBe('America/New_York');

    await tenants.updateSettings(4242, { timeZone: 'America/Chicago', holidayCalendar: 'US-TX' });
    expect((await tenants.find(4242))?.settings).toEqual({
      timeZone: 'America/Chicago',
      holidayCalendar: 'US-TX',
      phiMode: 'minimum-necessary',
      nameMatchThreshold: 0.85,
      unmatchedSources: 'wait',
      marketerOwners: {},
      // The follow-up rules' own defaults are checked in test/domain/followUps.test.ts.
      followUps: defaultFollowUpSettings,
      scorecard: scorecardSettingsSchema.parse({}),
      // No reason reworded or added: the default list.
      nonAdmitReasons: [],
    });
  });
});
