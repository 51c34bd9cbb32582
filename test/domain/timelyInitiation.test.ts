import type { ReferralState } from '../../src/domain/referralLifecycle';
import { measureTimelyInitiation, timelyInitiation } from '../../src/domain/timelyInitiation';

/**
 * The CMS timely initiation of care measure, case by case, with dates worked by hand. October 2026: Friday the 9th,
 * Saturday the 10th, Sunday the 11th, Monday the 12th. New York is on EDT (UTC-4) all month.
 */

describe('with a physician-ordered start of care date (M0102)', () => {
  it('is timely when care starts on the ordered date', () => {
    expect(measureTimelyInitiation({ socDate: '2026-10-12', physicianOrderedSocDate: '2026-10-12', referralDate: '2026-10-01' })).toBe('timely');
  });

  it('is timely when care starts before the ordered date, however long after the referral', () => {
    // Referral the 1st, ordered for the 12th, started the 9th: eight days after the referral, yet on order.
    expect(measureTimelyInitiation({ socDate: '2026-10-09', physicianOrderedSocDate: '2026-10-12', referralDate: '2026-10-01' })).toBe('timely');
  });

  it('is not timely when care starts after the ordered date, even within two days of the referral', () => {
    // Referral the 9th, ordered for the 10th, started the 11th: within M0104 + 2, but the order decides.
    expect(measureTimelyInitiation({ socDate: '2026-10-11', physicianOrderedSocDate: '2026-10-10', referralDate: '2026-10-09' })).toBe('not_timely');
  });

  it('does not need a referral date', () => {
    expect(measureTimelyInitiation({ socDate: '2026-10-12', physicianOrderedSocDate: '2026-10-12' })).toBe('timely');
  });
});

describe('without an ordered date', () => {
  it('is missing (left out of the rate) when the referral date (M0104) is blank', () => {
    expect(measureTimelyInitiation({ socDate: '2026-10-12' })).toBe('missing');
    expect(measureTimelyInitiation({ socDate: '2026-10-12', inpatientDischargeIn14Days: 'yes', inpatientDischargeDate: '2026-10-11' })).toBe('missing');
  });

  it('is timely when care starts on the referral date plus 2 days exactly, a Sunday included', () => {
    // Friday the 9th + 2 calendar days = Sunday the 11th: weekend days count like any other.
    expect(measureTimelyInitiation({ socDate: '2026-10-11', referralDate: '2026-10-09', inpatientDischargeIn14Days: 'none' })).toBe('timely');
    expect(measureTimelyInitiation({ socDate: '2026-10-09', referralDate: '2026-10-09' })).toBe('timely');
  });

  it('is not timely on the third day when there was no inpatient discharge in the 14 days before (M1000 "none")', () => {
    // Friday the 9th, started Monday the 12th: the weekend is not skipped.
    expect(measureTimelyInitiation({ socDate: '2026-10-12', referralDate: '2026-10-09', inpatientDischargeIn14Days: 'none' })).toBe('not_timely');
  });

  it('reads M1000 before M1005: "none" with a discharge date is not timely', () => {
    expect(
      measureTimelyInitiation({ socDate: '2026-10-12', referralDate: '2026-10-09', inpatientDischargeIn14Days: 'none', inpatientDischargeDate: '2026-10-11' }),
    ).toBe('not_timely');
  });

  it('is missing when there was an inpatient discharge but its date is unknown', () => {
    expect(measureTimelyInitiation({ socDate: '2026-10-12', referralDate: '2026-10-09', inpatientDischargeIn14Days: 'yes' })).toBe('missing');
    expect(measureTimelyInitiation({ socDate: '2026-10-12', referralDate: '2026-10-09', inpatientDischargeIn14Days: 'unknown' })).toBe('missing');
  });

  it('reads neither M1000 nor M1005 given as no inpatient discharge: not timely', () => {
    expect(measureTimelyInitiation({ socDate: '2026-10-12', referralDate: '2026-10-09' })).toBe('not_timely');
  });

  it('counts 2 days from an inpatient discharge later than the referral', () => {
    // Referred Monday the 5th while in hospital, discharged Thursday the 8th: started by Saturday the 10th is timely.
    const items = { referralDate: '2026-10-05', inpatientDischargeDate: '2026-10-08' };
    expect(measureTimelyInitiation({ ...items, socDate: '2026-10-10' })).toBe('timely');
    expect(measureTimelyInitiation({ ...items, socDate: '2026-10-10', inpatientDischargeIn14Days: 'yes' })).toBe('timely');
    expect(measureTimelyInitiation({ ...items, socDate: '2026-10-10', inpatientDischargeIn14Days: 'unknown' })).toBe('timely');
    expect(measureTimelyInitiation({ ...items, socDate: '2026-10-11' })).toBe('not_timely');
  });

  it('is not timely when the discharge was on or before the referral date and care started after its 2 days', () => {
    expect(measureTimelyInitiation({ socDate: '2026-10-08', referralDate: '2026-10-05', inpatientDischargeDate: '2026-10-05', inpatientDischargeIn14Days: 'yes' })).toBe(
      'not_timely',
    );
    expect(measureTimelyInitiation({ socDate: '2026-10-08', referralDate: '2026-10-05', inpatientDischargeDate: '2026-10-01' })).toBe('not_timely');
  });

  it('counts across a month and a year end in calendar days', () => {
    expect(measureTimelyInitiation({ socDate: '2027-01-01', referralDate: '2026-12-30' })).toBe('timely');
    expect(measureTimelyInitiation({ socDate: '2027-01-02', referralDate: '2026-12-30' })).toBe('not_timely');
    expect(measureTimelyInitiation({ socDate: '2026-03-02', referralDate: '2026-02-28' })).toBe('timely');
  });
});

describe("a referral's timely initiation", () => {
  const NEW_YORK = 'America/New_York';
  const admitted = (facts: ReferralState['facts'], socDate: string | null = '2026-10-12'): Pick<ReferralState, 'facts' | 'socDate'> => ({
    facts: { businessLine: 'home_health', ...facts },
    ...(socDate ? { socDate } : {}),
  });

  it('is undefined until there is a start of care', () => {
    expect(timelyInitiation(admitted({ referralDate: '2026-10-09' }, null), NEW_YORK)).toBeUndefined();
  });

  it('is undefined for hospice and palliative care: the measure is a home health one', () => {
    expect(timelyInitiation(admitted({ referralDate: '2026-10-09', businessLine: 'hospice' }), NEW_YORK)).toBeUndefined();
    expect(timelyInitiation(admitted({ referralDate: '2026-10-09', businessLine: 'palliative' }), NEW_YORK)).toBeUndefined();
    // An unknown business line is measured.
    expect(timelyInitiation({ facts: { referralDate: '2026-10-10' }, socDate: '2026-10-12' }, NEW_YORK)).toBe('timely');
  });

  it('maps the facts to OASIS items: ordered date, referral date, M1000 and M1005', () => {
    expect(timelyInitiation(admitted({ referralDate: '2026-10-09', physicianOrderedSocDate: '2026-10-12' }), NEW_YORK)).toBe('timely');
    expect(timelyInitiation(admitted({ referralDate: '2026-10-09', inpatientDischargeIn14Days: 'none' }), NEW_YORK)).toBe('not_timely');
    expect(timelyInitiation(admitted({ referralDate: '2026-10-05', inpatientDischargeDate: '2026-10-10' }), NEW_YORK)).toBe('timely');
    expect(timelyInitiation(admitted({ referralDate: '2026-10-09', inpatientDischargeIn14Days: 'unknown' }), NEW_YORK)).toBe('missing');
  });

  it('takes the referral date (M0104) the EHR gave over the day it was received', () => {
    // Received Friday the 9th, but M0104 says Saturday the 10th: started Monday the 12th is within 2 days of it.
    expect(timelyInitiation(admitted({ referralDate: '2026-10-10', receivedAt: '2026-10-09T16:00:00-04:00' }), NEW_YORK)).toBe('timely');
  });

  it('without a referral date, counts from the local day it was received: 23:30 on Friday is Friday, not Saturday in UTC', () => {
    // 23:30 EDT on Friday the 9th is 03:30Z on Saturday the 10th. Friday + 2 = Sunday the 11th < Monday the 12th.
    expect(timelyInitiation(admitted({ receivedAt: '2026-10-09T23:30:00-04:00' }), NEW_YORK)).toBe('not_timely');
    expect(timelyInitiation(admitted({ receivedAt: '2026-10-10T03:30:00Z' }), NEW_YORK)).toBe('not_timely');
    // Read in UTC (Saturday + 2 = Monday) it would have been timely; in Los Angeles it is 20:30 on Friday as well.
    expect(timelyInitiation(admitted({ receivedAt: '2026-10-10T03:30:00Z' }), 'UTC')).toBe('timely');
    expect(timelyInitiation(admitted({ receivedAt: '2026-10-10T03:30:00Z' }, '2026-10-11'), 'America/Los_Angeles')).toBe('timely');
  });

  it('is missing when neither the referral date nor the moment it was received is known', () => {
    expect(timelyInitiation(admitted({ inpatientDischargeIn14Days: 'none' }), NEW_YORK)).toBe('missing');
  });
});
