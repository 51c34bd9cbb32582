import type { EventOf } from '../../domain/events';
import type { BusinessLine, PayerCategory } from '../../domain/vocabulary';
import type { Coded } from './datatypes';

/**
 * Code tables the HL7 v2 mapping reads: payer typology, discharge disposition, business line. Tables 0086 (plan
 * type) and 0112 (discharge disposition) are user-defined in HL7, so a tenant's own codes can be added through
 * Hl7MappingOptions; these defaults follow the published code sets named at each table.
 */

/** SOPT, the Source of Payment Typology (PHDSC; OID 2.16.840.1.113883.3.221.5), read by its hierarchy. */
export function payerCategoryFromSopt(code: string): PayerCategory | undefined {
  if (!/^[1-9]\d{0,4}$/.test(code)) return undefined;
  // 11 Medicare managed care (Medicare Advantage), 14 dual-eligible organizations (D-SNP, FIDE-SNP: MA plans).
  if (code.startsWith('11') || code.startsWith('14')) return 'medicare_advantage';
  // 1 Medicare, 12 non-managed (fee-for-service), 13 hospice (paid by traditional Medicare), 19 other.
  if (code.startsWith('1')) return 'medicare_ffs';
  if (code.startsWith('21')) return 'medicaid_managed';
  // 2 Medicaid, 22 non-managed, 23 SCHIP, 24 applicant, 25 out of state, 26 long-term care, 29 other.
  if (code.startsWith('2')) return 'medicaid_ffs';
  // 31 Department of Defense (TRICARE), 32 Department of Veterans Affairs.
  if (code.startsWith('31') || code.startsWith('32')) return 'va_military';
  // 5 private health insurance, 6 Blue Cross/Blue Shield.
  if (code.startsWith('5') || code.startsWith('6')) return 'commercial';
  // 8 no payment from an organization, 81 self-pay; 82+ are charity, research, bad debt.
  if (code === '8' || code.startsWith('81')) return 'self_pay';
  // 3x other government, 4 corrections, 7 managed care that cannot be told public or private, 8x, 9 other.
  return 'other';
}

/** Coding systems that name SOPT in CWE.3/CWE.6 (HL7 table 0396 "SOP") or CWE.14, or its PHIN value set. */
const soptSystems = new Set(['SOP', 'SOPT', '2.16.840.1.113883.3.221.5', 'URN:OID:2.16.840.1.113883.3.221.5', 'HTTPS://NAHDO.ORG/SOPT', '2.16.840.1.114222.4.11.3591']);

export function isSoptCoded(coded: Coded): boolean {
  return soptSystems.has(coded.system.toUpperCase()) || soptSystems.has(coded.systemOid.toUpperCase());
}

/**
 * Plan type codes with one meaning: the X12 claim filing indicator codes (837 SBR09), which US EHRs commonly put in
 * IN1-15, and a few unambiguous local abbreviations. X12's MA and MB are Medicare Parts A and B: traditional
 * Medicare. (X12's MC is Medicaid, which may be managed or not: it is a program code, below.)
 */
const planTypeCategories: Record<string, PayerCategory> = {
  MA: 'medicare_ffs',
  MB: 'medicare_ffs',
  '16': 'medicare_advantage',
  CH: 'va_military',
  VA: 'va_military',
  TRICARE: 'va_military',
  BL: 'commercial',
  CI: 'commercial',
  FI: 'commercial',
  COM: 'commercial',
  COMM: 'commercial',
  COMMERCIAL: 'commercial',
  '09': 'self_pay',
  SP: 'self_pay',
  SELF: 'self_pay',
  SELFPAY: 'self_pay',
  WC: 'other',
  AM: 'other',
  LM: 'other',
  DS: 'other',
  OF: 'other',
  TV: 'other',
  '10': 'other',
  '11': 'other',
  '17': 'other',
};

/** Codes that name a program but not whether the plan is managed care: refined by the plan's type and words. */
const programCodes: Record<string, 'medicare' | 'medicaid'> = {
  MCR: 'medicare',
  MEDICARE: 'medicare',
  MC: 'medicaid',
  MD: 'medicaid',
  MCD: 'medicaid',
  MEDICAID: 'medicaid',
};

/** The X12 filing indicators that are numbers; every other bare number is read as a SOPT code. */
const x12Numeric = new Set(['09', '10', '11', '12', '13', '14', '15', '16', '17']);

/** Managed-care plan types (X12 HM, 12-15; HL7 examples HMO, PPO): commercial unless a program name says otherwise. */
const managedPlanTypes = new Set(['HM', 'HMO', 'PPO', 'POS', 'EPO', '12', '13', '14', '15']);

export interface PlanDescription {
  /** IN1-15 plan type. */
  planType: Coded;
  /** IN1-2 health plan id. */
  plan: Coded;
  /** IN1-4 insurance company name. */
  companyName: string;
}

/**
 * The payer category of a plan: a tenant's own code, then a SOPT code, then the X12 filing indicator, then the
 * program named by a code or in the plan's words (Medicare, Medicaid, TRICARE, self-pay), refined by a managed-care
 * plan type or words; undefined when nothing says (a category is never guessed from a plan's brand name).
 */
export function toPayerCategory(
  { planType, plan, companyName }: PlanDescription,
  tenantCodes: Readonly<Record<string, PayerCategory>> = {},
): PayerCategory | undefined {
  for (const code of [planType.code, plan.code]) {
    const own = code ? tenantCodes[code] ?? tenantCodes[code.toUpperCase()] : undefined;
    if (own) return own;
  }
  for (const coded of [planType, plan]) {
    if (isSoptCoded(coded)) {
      const category = payerCategoryFromSopt(coded.code);
      if (category) return category;
    }
  }
  const typeCode = planType.code.toUpperCase().replace(/[\s-]/g, '');
  const fromCode = planTypeCategories[typeCode];
  if (fromCode) return fromCode;
  if (/^\d+$/.test(typeCode) && !x12Numeric.has(typeCode)) {
    const sopt = payerCategoryFromSopt(typeCode);
    if (sopt) return sopt;
  }
  const words = [planType.text, plan.text, plan.code, companyName].join(' ').toLowerCase();
  const managed = managedPlanTypes.has(typeCode) || /\b(hmo|ppo|advantage|managed|mco|snp|part c)\b/.test(words);
  const program =
    programCodes[typeCode] ??
    (/\bmedicare\b/.test(words) ? 'medicare' : /\b(medicaid|medi-cal)\b/.test(words) ? 'medicaid' : undefined);
  if (program === 'medicare') return managed ? 'medicare_advantage' : 'medicare_ffs';
  if (program === 'medicaid') return managed ? 'medicaid_managed' : 'medicaid_ffs';
  if (/\b(tricare|champus|champva|veterans?)\b/.test(words)) return 'va_military';
  if (/\bself[- ]?pay\b|\bselfpay\b/.test(words)) return 'self_pay';
  if (managedPlanTypes.has(typeCode)) return 'commercial';
  return undefined;
}

type DischargeReason = EventOf<'admission.discharged'>['reason'];

/**
 * HL7 table 0112 (discharge disposition; its suggested values are the UB-04 patient status codes, which NUBC
 * extends with 43-95), and the FHIR discharge-disposition codes some EHRs send instead.
 */
const dischargeCodes: Record<string, DischargeReason> = {
  '01': 'goals_met',
  '02': 'hospitalized',
  '09': 'hospitalized',
  '82': 'hospitalized',
  '20': 'expired',
  '40': 'expired',
  '41': 'expired',
  '42': 'expired',
  '07': 'other',
  '30': 'other',
  '81': 'other',
  HOME: 'goals_met',
  'ALT-HOME': 'goals_met',
  EXP: 'expired',
  AADVICE: 'other',
  OTH: 'other',
};
for (const transfer of ['03', '04', '05', '06', '08', '43', '50', '51', '61', '62', '63', '64', '65', '66', '69', '70']) {
  dischargeCodes[transfer] = 'transferred';
}
for (let code = 83; code <= 95; code += 1) dischargeCodes[String(code)] = 'transferred';
for (const fhirTransfer of ['OTHER-HCF', 'HOSP', 'LONG', 'PSY', 'REHAB', 'SNF']) dischargeCodes[fhirTransfer] = 'transferred';

/** Words of a disposition's text, for senders that put text (or their own codes with text) in PV1-36. */
const dischargeWords: Array<[RegExp, DischargeReason]> = [
  [/\b(expired|died|death|deceased)\b/, 'expired'],
  [/\brevo(ked|cation)\b/, 'revoked'],
  [/\b(moved|relocated|out of (the )?(service )?area)\b/, 'moved'],
  [/\b(inpatient|hospitali[sz]ed|acute care hospital|short[- ]term (general )?hospital)\b/, 'hospitalized'],
  [/\b(transfer(red)?|snf|nursing|rehab|hospice|facility|another agency)\b/, 'transferred'],
  [/\b(goals?|home|self[- ]care|routine)\b/, 'goals_met'],
];

/** The discharge reason of PV1-36: by code (table 0112 / FHIR), else by its words, else 'other'. */
export function toDischargeReason(disposition: Coded, tenantCodes: Readonly<Record<string, DischargeReason>> = {}): DischargeReason {
  const code = disposition.code.toUpperCase();
  const own = tenantCodes[disposition.code] ?? tenantCodes[code];
  if (own) return own;
  const padded = /^\d$/.test(code) ? `0${code}` : code;
  const byCode = dischargeCodes[padded];
  if (byCode) return byCode;
  const words = `${disposition.code} ${disposition.text}`.toLowerCase();
  return dischargeWords.find(([pattern]) => pattern.test(words))?.[1] ?? 'other';
}

/**
 * The business line named by a code or text: a tenant's code first, then HL7 table 0281 "Hom" (home care referral
 * type) and words such as "hospice", "palliative", "home health". Unmappable values leave it unset.
 */
export function toBusinessLine(
  values: ReadonlyArray<string>,
  tenantCodes: Readonly<Record<string, BusinessLine>> = {},
): BusinessLine | undefined {
  for (const value of values) {
    const own = value ? tenantCodes[value] ?? tenantCodes[value.toUpperCase()] : undefined;
    if (own) return own;
  }
  for (const value of values) {
    const code = value.toUpperCase();
    const words = value.toLowerCase();
    if (code === 'HSP' || code === 'HSPC' || /\bhospice\b/.test(words)) return 'hospice';
    if (code === 'PAL' || code === 'PALL' || /\bpalliative\b/.test(words)) return 'palliative';
    if (code === 'HOM' || code === 'HH' || code === 'HHA' || /\bhome ?(health|care)\b/.test(words)) return 'home_health';
  }
  return undefined;
}
