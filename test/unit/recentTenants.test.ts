import { defaultTenantSettings } from '../../src/config/tenantSettings';
import { recentTenants, type Tenant } from '../../src/store/tenants';
import { virtualClock } from '../support/clock';

describe('recentTenants', () => {
  it('reads a tenant once per period, and again after a failed read', async () => {
    const clock = virtualClock(0);
    const reads: number[] = [];
    let fail = false;
    const tenant = (tenantId: number): Tenant => ({ tenantId, name: `portal ${tenantId}`, settings: defaultTenantSettings });
    const find = async (tenantId: number) => {
      reads.push(tenantId);
      if (fail) throw new Error('database unreachable');
      return tenant(tenantId);
    };
    const tenantOf = recentTenants({ find }, 5_000, clock);
    expect(await tenantOf(1)).toEqual(tenant(1));
    await clock.sleep(4_999);
    expect(await Promise.all([tenantOf(1), tenantOf(2)])).toEqual([tenant(1), tenant(2)]);
    expect(reads).toEqual([1, 2]);
    await clock.sleep(1);
    fail = true;
    await expect(tenantOf(1)).rejects.toThrow('database unreachable');
    fail = false;
    expect(await tenantOf(1)).toEqual(tenant(1));
    expect(reads).toEqual([1, 2, 1, 1]);
  });
});
