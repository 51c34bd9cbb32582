import { DateTime } from 'luxon';
import type { ReferralFacts } from './events';
import type { ReferralState } from './referralLifecycle';
import type { timelyInitiationOutcomes } from './vocabulary';

/**
 * Timely initiation of care: the CMS home health process measure, in its logic effective 2018-01-13 (DESIGN.md).
 * It is counted in calendar dates in the agency's time zone, not in hours: weekends and holidays are days like any
 * other, and a referral received at 23:30 is received that local day, whatever the date in UTC.
 *
 * For a start of care (OASIS M0030):
 * - a physician-ordered SOC date (M0102) given: timely when M0030 <= M0102, else not;
 * - none ordered: the referral date (M0104) blank -> missing (left out of the rate); M0030 <= M0104 + 2 days ->
 *   timely; otherwise no inpatient discharge in the 14 days before (M1000 "none") -> not timely; the discharge date
 *   unknown -> missing; an inpatient discharge date (M1005) later than M0104 -> timely when M0030 <= M1005 + 2 days,
 *   else not; any other case -> not timely.
 *
 * Pure: dates in, an outcome out. The values are the rlx_timely_initiation options (vocabulary.ts).
 */
export type TimelyInitiation = (typeof timelyInitiationOutcomes)[number]['value'];

/** The OASIS items the measure reads; dates are calendar dates (YYYY-MM-DD) in the agency's time zone. */
export interface TimelyInitiationItems {
  /** M0030, the start of care date. */
  socDate: string;
  /** M0102, the physician-ordered start of care date, when one was ordered. */
  physicianOrderedSocDate?: string | undefined;
  /** M0104, the date of the referral. */
  referralDate?: string | undefined;
  /** M1000: an inpatient discharge in the 14 days before; undefined when the EHR did not say. */
  inpatientDischargeIn14Days?: ReferralFacts['inpatientDischargeIn14Days'];
  /** M1005, the inpatient discharge date. */
  inpatientDischargeDate?: string | undefined;
}

/** A calendar date plus whole days: plain calendar arithmetic (UTC has no DST). */
function plusDays(date: string, days: number): string {
  const day = DateTime.fromISO(date, { zone: 'utc' });
  if (!day.isValid || !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RangeError(`a date must be YYYY-MM-DD, got '${date}'`);
  return day.plus({ days }).toFormat('yyyy-MM-dd');
}

/** The measure on its OASIS items. ISO dates compare as strings. */
export function measureTimelyInitiation(items: TimelyInitiationItems): TimelyInitiation {
  const { socDate: soc, physicianOrderedSocDate: ordered, referralDate: referral } = items;
  if (ordered) return soc <= ordered ? 'timely' : 'not_timely';
  if (!referral) return 'missing';
  if (soc <= plusDays(referral, 2)) return 'timely';
  if (items.inpatientDischargeIn14Days === 'none') return 'not_timely';
  const discharge = items.inpatientDischargeDate;
  if (!discharge) {
    // M1000 "yes" without M1005, or nobody knows whether there was one: the date is unknown, missing (M1005 "UK").
    // Neither item given at all reads as M1000 "none": feeds record an inpatient discharge when there was one
    // (HL7 PV1-45 of an inpatient stay, FHIR Encounter.period.end, a CSV column), so their silence means none. Read
    // as missing instead, it would drop exactly the late community starts from the rate and inflate it.
    return items.inpatientDischargeIn14Days === undefined ? 'not_timely' : 'missing';
  }
  if (discharge > referral) return soc <= plusDays(discharge, 2) ? 'timely' : 'not_timely';
  return 'not_timely';
}

/**
 * The measure for a referral: undefined while there is no start of care, and for hospice and palliative care (the
 * measure is a home health one; a referral whose business line is unknown is measured). M0104 is the referral date
 * the EHR gave; when it gave none, the local date the agency received the referral, which is what M0104 records
 * ("the date that the written or verbal referral ... was received by the HHA"), as the CSV and HL7 adapters already
 * read it. Only when neither is known is M0104 blank.
 */
export function timelyInitiation(
  referral: Pick<ReferralState, 'facts' | 'socDate'>,
  timeZone: string,
): TimelyInitiation | undefined {
  const { facts, socDate } = referral;
  if (!socDate) return undefined;
  if (facts.businessLine === 'hospice' || facts.businessLine === 'palliative') return undefined;
  const received = facts.receivedAt ? DateTime.fromISO(facts.receivedAt, { setZone: true }).setZone(timeZone) : undefined;
  return measureTimelyInitiation({
    socDate,
    physicianOrderedSocDate: facts.physicianOrderedSocDate,
    referralDate: facts.referralDate ?? (received?.isValid ? received.toFormat('yyyy-MM-dd') : undefined),
    inpatientDischargeIn14Days: facts.inpatientDischargeIn14Days,
    inpatientDischargeDate: facts.inpatientDischargeDate,
  });
}
