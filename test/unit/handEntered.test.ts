import type { HandEnteredReferral } from '../../src/store/handEnteredStore';
import { pairHandEntered, receivedDateOf, sourceCompanyOf } from '../../src/sync/handEntered';

const record = (hubspotId: string, fields: Partial<HandEnteredReferral> = {}): HandEnteredReferral => ({
  hubspotId,
  companyId: 'C1',
  receivedDate: '2026-11-27',
  businessLine: null,
  createdAt: null,
  ...fields,
});

describe('the day a hand-entered referral was received', () => {
  it('is the referral date intake gave, as a day or as midnight UTC in milliseconds', () => {
    expect(receivedDateOf({ rlx_referral_date: '2026-11-27' }, undefined, 'America/Chicago')).toBe('2026-11-27');
    // 1764201600000 = 2025-11-27T00:00:00Z: a day, not an instant, so no time zone shift.
    expect(receivedDateOf({ rlx_referral_date: '1764201600000' }, undefined, 'America/Chicago')).toBe('2025-11-27');
  });

  it("else the day of its received-at time in the agency's time zone, else the day the record was created", () => {
    // 2026-11-28T03:30:00Z is 21:30 on 2026-11-27 in Chicago (UTC-6 in November).
    expect(receivedDateOf({ rlx_received_at: '2026-11-28T03:30:00Z' }, undefined, 'America/Chicago')).toBe('2026-11-27');
    expect(receivedDateOf({ rlx_received_at: '2026-11-28T03:30:00Z' }, undefined, 'America/New_York')).toBe('2026-11-27');
    expect(receivedDateOf({ rlx_received_at: '2026-11-28T05:30:00Z' }, undefined, 'America/New_York')).toBe('2026-11-28');
    expect(receivedDateOf({ rlx_received_at: '' }, '2026-11-28T03:30:00.000Z', 'America/Chicago')).toBe('2026-11-27');
    expect(receivedDateOf({}, undefined, 'America/Chicago')).toBeNull();
  });
});

describe('the source company of a hand-entered referral', () => {
  it('is the one with the "Referral source" label, else the only one, else none', () => {
    expect(sourceCompanyOf([{ toId: '5', typeIds: [341] }, { toId: '6', typeIds: [341, 77] }], 77)).toBe('6');
    expect(sourceCompanyOf([{ toId: '5', typeIds: [341] }], 77)).toBe('5');
    expect(sourceCompanyOf([{ toId: '5', typeIds: [341] }, { toId: '6', typeIds: [341] }], 77)).toBeNull();
    expect(sourceCompanyOf(undefined, 77)).toBeNull();
  });
});

describe('pairing EHR referrals with hand-entered records', () => {
  it('prefers the record of the same business line to an older one without, and never takes a record twice', () => {
    const open = [record('10'), record('11', { businessLine: 'hospice' }), record('12', { businessLine: 'home_health' })];
    expect(
      pairHandEntered(
        [
          { key: 'A', companyId: 'C1', receivedDate: '2026-11-27', businessLine: 'home_health' },
          { key: 'B', companyId: 'C1', receivedDate: '2026-11-27', businessLine: null },
          { key: 'C', companyId: 'C1', receivedDate: '2026-11-27', businessLine: 'palliative' },
          { key: 'D', companyId: 'C1', receivedDate: '2026-11-27', businessLine: 'hospice' },
        ],
        open,
      ),
    ).toEqual([
      { key: 'A', hubspotId: '12' },
      { key: 'B', hubspotId: '10' },
      // C (palliative) matches nothing left: 11 is hospice.
      { key: 'D', hubspotId: '11' },
    ]);
  });

  it('never pairs an EHR referral whose source company is unknown', () => {
    expect(pairHandEntered([{ key: 'A', companyId: null, receivedDate: '2026-11-27', businessLine: null }], [record('10', { companyId: null })])).toEqual([]);
  });
});
