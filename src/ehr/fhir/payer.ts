import type { PayerCategory } from '../../domain/vocabulary';
import type { CodeableConcept } from './elements';

/**
 * Payer category from Coverage.type coded in the Source of Payment Typology (PHDSC/NAHDO SOPT, v9.2; the code
 * system US Core binds Coverage.type to, http://hl7.org/fhir/us/core/ValueSet/payer-type). Its canonical URL is
 * https://nahdo.org/sopt; older senders use its OID urn:oid:2.16.840.1.113883.3.221.5.
 *
 * SOPT codes are hierarchical: the first digit is the family, each further digit a refinement (121 Medicare FFS sits
 * under 12 Medicare non-managed care under 1 Medicare). The category is read from the most specific prefix below.
 *
 * | SOPT                                                  | category            |
 * |-------------------------------------------------------|---------------------|
 * | 1 Medicare (unspecified), 12x non-managed (121 FFS),   | medicare_ffs        |
 * |   13 Medicare Hospice, 19x Medicare other             |                     |
 * | 11x Medicare managed care (Medicare Advantage: 111    | medicare_advantage  |
 * |   HMO, 112 PPO, 113 POS, 119 other), 14 dual-eligible |                     |
 * |   Medicare/Medicaid organization (D-SNP, MMP)         |                     |
 * | 21x Medicaid managed care                             | medicaid_managed    |
 * | 2 Medicaid (unspecified), 22 non-managed, 23 SCHIP,   | medicaid_ffs        |
 * |   24-29 (applicant, out of state, LTC, other)         |                     |
 * | 31x Department of Defense (TRICARE), 32x VA (incl.    | va_military         |
 * |   CHAMPVA)                                            |                     |
 * | 3 and 33-39 other government (IHS, HRSA, state, local,| other               |
 * |   e.g. 3712 local government PPO), 4x corrections     |                     |
 * | 5x private insurance, 6x Blue Cross/Blue Shield       | commercial          |
 * | 7x managed care, public or private unknown            | other               |
 * | 8x no payment from an organization (81 self-pay, 82   | self_pay            |
 * |   no charge/charity, 83 bad debt, ...)                |                     |
 * | 9x miscellaneous (workers' comp, auto, foreign, ...)  | other               |
 * | 99 no typology code, 9999 unavailable / no payer      | (unset: unknown)    |
 *
 * Hospice (13) stays with Medicare fee-for-service: Original Medicare pays hospice even for Medicare Advantage
 * enrollees. Medicaid not coded as managed care (21x) counts as fee-for-service.
 */
export const SOPT_SYSTEMS = new Set(['https://nahdo.org/sopt', 'urn:oid:2.16.840.1.113883.3.221.5']);

/** http://terminology.hl7.org/CodeSystem/coverage-selfpay: the R4 way to say a Coverage is the patient paying. */
const SELF_PAY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/coverage-selfpay';

/** Most specific prefix first. */
const soptPrefixes: Array<[string, PayerCategory | undefined]> = [
  ['99', undefined],
  ['11', 'medicare_advantage'],
  ['14', 'medicare_advantage'],
  ['1', 'medicare_ffs'],
  ['21', 'medicaid_managed'],
  ['2', 'medicaid_ffs'],
  ['31', 'va_military'],
  ['32', 'va_military'],
  ['3', 'other'],
  ['4', 'other'],
  ['5', 'commercial'],
  ['6', 'commercial'],
  ['7', 'other'],
  ['8', 'self_pay'],
  ['9', 'other'],
];

export function payerCategoryOfSopt(code: string): PayerCategory | undefined {
  if (!/^\d{1,5}$/.test(code)) return undefined;
  return soptPrefixes.find(([prefix]) => code.startsWith(prefix))?.[1];
}

/**
 * The payer category Coverage.type states: its SOPT coding, else the self-pay code. Other codings (v3 ActCode HMO,
 * PPO...) say how a plan is organised, not who pays (a Medicare HMO and a commercial HMO look the same): unset.
 */
export function payerCategoryOfCoverageType(type: CodeableConcept | undefined): PayerCategory | undefined {
  for (const coding of type?.coding ?? []) {
    if (coding.system && SOPT_SYSTEMS.has(coding.system) && coding.code) return payerCategoryOfSopt(coding.code);
  }
  return type?.coding.some((c) => c.system === SELF_PAY_SYSTEM && c.code === 'pay') ? 'self_pay' : undefined;
}
