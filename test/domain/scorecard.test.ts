import {
  accountTier,
  emptyWindowCounts,
  referralTrend,
  scorecardSettingsSchema,
  toScorecard,
  toScorecardProperties,
  type ScorecardCounts,
  type WindowCounts,
} from '../../src/domain/scorecard';

const defaults = scorecardSettingsSchema.parse({});

const window = (fields: Partial<WindowCounts>): WindowCounts => ({ ...emptyWindowCounts(), ...fields });

describe('the referral trend', () => {
  it('compares the last 30 days with the 30 before, as Poisson counts, and says "too few" under the guard', () => {
    // |a - b| / sqrt(a + b): (12 - 4) / 4 = 2 >= 1.96; (10 - 6) / 4 = 1; (0 - 12) / 3.46 = -3.46.
    expect(referralTrend(12, 4, 10)).toBe('up');
    expect(referralTrend(10, 6, 10)).toBe('flat');
    expect(referralTrend(0, 12, 10)).toBe('down');
    // 3 + 5 = 8 referrals in all, under the guard of 10: whatever the ratio, no claim.
    expect(referralTrend(3, 5, 10)).toBe('too_few');
    expect(referralTrend(8, 0, 10)).toBe('too_few');
    // At the guard: 4 and 0 with a guard of 4 gives (4 - 0) / 2 = 2.
    expect(referralTrend(4, 0, 4)).toBe('up');
  });
});

describe('the account tier', () => {
  it('follows the referrals of the last 90 days: A from 12, B from 4, C from 1, else D', () => {
    expect([12, 11, 4, 3, 1, 0].map((n) => accountTier(n, defaults.tiers))).toEqual(['A', 'B', 'B', 'C', 'C', 'D']);
    const custom = scorecardSettingsSchema.parse({ tiers: { A: '20', B: '10', C: '2' } });
    expect([20, 19, 10, 2, 1].map((n) => accountTier(n, custom.tiers))).toEqual(['A', 'B', 'B', 'C', 'D']);
    expect(scorecardSettingsSchema.safeParse({ tiers: { A: 4, B: 4, C: 1 } }).success).toBe(false);
  });
});

describe('a scorecard', () => {
  const counts: ScorecardCounts = {
    windows: {
      30: window({ referrals: 4, admitted: 2, nonAdmitted: 1, pending: 1, medianHoursToSoc: 25, timely: 1, notTimely: 1 }),
      90: window({ referrals: 6, admitted: 3, nonAdmitted: 1, pending: 1, cancelled: 1, medianHoursToSoc: 30, timely: 2, notTimely: 1 }),
      365: window({ referrals: 7, admitted: 3, nonAdmitted: 2, pending: 1, cancelled: 1 }),
    },
    previous30: 1,
    lastReferralDate: '2026-11-20',
    usualIntervalDays: 26,
    monthly: [],
  };

  it('has conversion without pending or cancelled referrals, timely rate without missing cases, and days since the last', () => {
    const scorecard = toScorecard(counts, defaults, '2026-11-27');
    // 90 days: 3 admitted of 3 + 1 that reached an outcome; the pending and the cancelled one count for neither.
    expect(scorecard.windows[90].conversion).toBe(0.75);
    expect(scorecard.windows[365].conversion).toBe(0.6);
    expect(scorecard.windows[90].timelyRate).toBeCloseTo(2 / 3, 10);
    expect(scorecard.windows[365].timelyRate).toBeNull();
    expect(scorecard).toMatchObject({ trend: 'too_few', tier: 'B', lastReferralDate: '2026-11-20', daysSinceLastReferral: 7, usualIntervalDays: 26 });
  });

  it('is written to HubSpot as the provisioned properties, rates as fractions, unknowns empty', () => {
    expect(toScorecardProperties(toScorecard(counts, defaults, '2026-11-27'))).toEqual({
      rlx_referrals_30d: '4',
      rlx_referrals_90d: '6',
      rlx_admissions_30d: '2',
      rlx_admissions_90d: '3',
      rlx_conversion_rate_90d: '0.75',
      rlx_median_hours_to_soc_90d: '30',
      rlx_timely_initiation_rate_90d: '0.667',
      rlx_last_referral_date: '2026-11-20',
      rlx_days_since_last_referral: '7',
      rlx_referral_trend: 'too_few',
      rlx_account_tier: 'B',
    });
    const quiet: ScorecardCounts = { windows: { 30: window({}), 90: window({}), 365: window({}) }, previous30: 0, lastReferralDate: null, usualIntervalDays: null, monthly: [] };
    expect(toScorecardProperties(toScorecard(quiet, defaults, '2026-11-27'))).toMatchObject({
      rlx_conversion_rate_90d: '',
      rlx_median_hours_to_soc_90d: '',
      rlx_last_referral_date: '',
      rlx_days_since_last_referral: '',
      rlx_account_tier: 'D',
    });
  });
});
