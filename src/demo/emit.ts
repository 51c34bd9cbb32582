import { DateTime } from 'luxon';
import type { DemoAgency, DemoReferral } from './agency';

/**
 * The demo agency as its EHR would send it: HL7 v2.8 messages (REF^I12 at receipt, REF^I14 for cancellations,
 * ADT^A01 at the first visit, ADT^A03 at discharge) and a nightly "Referral Log" CSV export in the generic profile's
 * columns (src/ehr/csv/profiles/generic.yaml), which is where non-admits and their reasons are recorded, as in most
 * agency EHRs. Field positions follow src/ehr/hl7v2/MAPPING.md.
 */

export interface TimedMessage {
  /** When the EHR sends it (ISO instant). */
  at: string;
  text: string;
}

/** MSH-3 to MSH-6: sending application and facility, receiving application and facility. */
const ROUTE = 'DEMOEHR|SUNRISE|REFERRALYNX|SUNRISE';

/** Source of Payment Typology codes (CWE with coding system SOP) for each payer category. */
const soptCode: Record<DemoReferral['payerCategory'], string> = {
  medicare_ffs: '121^Medicare FFS^SOP',
  medicare_advantage: '111^Medicare HMO^SOP',
  medicaid_managed: '211^Medicaid HMO^SOP',
  medicaid_ffs: '2^Medicaid^SOP',
  commercial: '5^Private Health Insurance^SOP',
  va_military: '32^Department of Veterans Affairs^SOP',
  self_pay: '81^Self-pay^SOP',
  other: '9^Miscellaneous^SOP',
};

const serviceCode: Record<DemoReferral['businessLine'], string> = {
  home_health: 'HH^Home health^L',
  hospice: 'HSP^Hospice^L',
  palliative: 'PAL^Palliative^L',
};

/** UB-04 patient discharge status codes (HL7 table 0112's suggested values). */
const dischargeCode: Record<NonNullable<DemoReferral['dischargeReason']>, string> = {
  goals_met: '01^Discharged to home or self care^HL70112',
  hospitalized: '02^Discharged to a short-term hospital^HL70112',
  transferred: '03^Discharged to a skilled nursing facility^HL70112',
  expired: '20^Expired^HL70112',
};

function hl7Time(iso: string): string {
  return DateTime.fromISO(iso, { setZone: true }).toFormat('yyyyMMddHHmmssZZZ');
}

function hl7Date(isoDate: string): string {
  return isoDate.replaceAll('-', '');
}

function msh(type: string, at: string, control: string): string {
  return `MSH|^~\\&|${ROUTE}|${hl7Time(at)}||${type}|${control}|P|2.8`;
}

function pid(r: DemoReferral): string {
  const p = r.patient;
  return `PID|1||${p.mrn}^^^DEMOEHR^MR||${p.familyName.toUpperCase()}^${p.givenName.toUpperCase()}||${hl7Date(p.birthDate)}|U|||^^^TX^${p.zip}^USA^H`;
}

/** PV1 of the agency's own episode: branch, referring doctor (NPI), service, visit number, start and end, marketer. */
function agencyPv1(r: DemoReferral, discharge?: { at: string; code: string }): string {
  const fields: string[] = Array.from({ length: 53 }, () => '');
  fields[0] = 'PV1';
  fields[1] = '1';
  fields[2] = 'O';
  fields[3] = `^^^${r.branch}`;
  fields[8] = `${r.clinician.npi}^${r.clinician.familyName}^${r.clinician.givenName}^^^^${r.clinician.suffix}^^NPI^^^^NPI`;
  fields[10] = serviceCode[r.businessLine].split('^')[0] ?? '';
  fields[19] = `${r.admissionKey ?? ''}^^^DEMOEHR^VN`;
  if (discharge) fields[36] = discharge.code;
  fields[44] = r.firstVisitAt ? hl7Time(r.firstVisitAt) : '';
  if (discharge) fields[45] = hl7Time(discharge.at);
  fields[52] = r.source.marketerId;
  return fields.join('|').replace(/\|+$/, '');
}

function referralMessage(r: DemoReferral, trigger: 'I12' | 'I14', at: string, control: string): string {
  const s = r.source;
  const c = r.clinician;
  const segments = [
    msh(`REF^${trigger}^REF_${trigger}`, at, control),
    `RF1|${trigger === 'I14' ? 'CA^Cancelled^HL70283' : 'P^Pending^HL70283'}|R^Routine^HL70280|${serviceCode[r.businessLine]}||I^Incoming^HL70284|${r.referralKey}^DEMOEHR|${hl7Date(r.receivedAt.slice(0, 10))}||${hl7Date(r.receivedAt.slice(0, 10))}`,
    `PRD|RP^Referring Provider^HL70286|${c.familyName}^${c.givenName}^^^^${c.suffix}|^^${s.city}^TX^${s.zip}||||${c.npi}^NPI|||${s.name}^^^^^^NPI^^^${s.npi}|^^${s.city}^TX^${s.zip}`,
    `PRD|RT^Referred to Provider^HL70286|SUNRISE^HOME HEALTH||^^^${r.branch}`,
    pid(r),
    `IN1|1|${r.payerCategory.toUpperCase()}^${r.payerName}||${r.payerName}|||||||||||${soptCode[r.payerCategory]}`,
  ];
  // The referring stay: an inpatient discharge date when the patient comes from a hospital or facility (M1005),
  // and the agency's marketer for the account.
  const pv1: string[] = Array.from({ length: 53 }, () => '');
  pv1[0] = 'PV1';
  pv1[1] = '1';
  pv1[2] = r.inpatientDischargeDate ? 'I' : 'O';
  if (r.inpatientDischargeDate) pv1[45] = hl7Date(r.inpatientDischargeDate);
  pv1[52] = r.source.marketerId;
  segments.push(pv1.join('|').replace(/\|+$/, ''));
  return segments.join('\r');
}

/** The HL7 messages one referral's life produces, in the order the EHR sends them. */
export function toHl7Messages(r: DemoReferral): TimedMessage[] {
  const messages: TimedMessage[] = [];
  const control = (suffix: string) => `${r.referralKey}-${suffix}`;
  messages.push({ at: r.receivedAt, text: referralMessage(r, 'I12', r.receivedAt, control('I12')) });
  if (r.outcome === 'cancelled' && r.decidedAt) {
    messages.push({ at: r.decidedAt, text: referralMessage(r, 'I14', r.decidedAt, control('I14')) });
  }
  if (r.firstVisitAt && r.admissionKey) {
    messages.push({
      at: r.firstVisitAt,
      text: [msh('ADT^A01^ADT_A01', r.firstVisitAt, control('A01')), `EVN|A01|${hl7Time(r.firstVisitAt)}`, pid(r), agencyPv1(r)].join('\r'),
    });
  }
  if (r.dischargeDate && r.dischargeReason && r.admissionKey) {
    const at = DateTime.fromISO(`${r.dischargeDate}T14:00:00`, { zone: DateTime.fromISO(r.receivedAt, { setZone: true }).zone }).toISO() ?? '';
    messages.push({
      at,
      text: [
        msh('ADT^A03^ADT_A03', at, control('A03')),
        `EVN|A03|${hl7Time(at)}`,
        pid(r),
        agencyPv1(r, { at, code: dischargeCode[r.dischargeReason] }),
      ].join('\r'),
    });
  }
  return messages;
}

/** Every HL7 message of the agency up to `until` (an instant), in sending order. */
export function agencyHl7Feed(agency: DemoAgency, until = Number.POSITIVE_INFINITY): TimedMessage[] {
  return agency.referrals
    .flatMap(toHl7Messages)
    .filter((m) => Date.parse(m.at) <= until)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.text.localeCompare(b.text));
}

const csvColumns = [
  'Referral ID',
  'MRN',
  'Referral Date',
  'Status',
  'Status Date',
  'Non-Admit Reason',
  'Cancelled By',
  'Service Line',
  'Primary Payer',
  'Referral Source',
  'Source Type',
  'Source NPI',
  'Referring Physician',
  'Physician NPI',
  'Marketer',
  'Branch',
  'Patient ZIP',
  'Inpatient Discharge Date',
  'SOC Date',
  'First Visit',
  'Episode ID',
  'Discharge Date',
  'Discharge Reason',
] as const;

const statusWord: Record<DemoReferral['outcome'], string> = {
  admitted: 'Admitted',
  non_admitted: 'Non-Admit',
  cancelled: 'Cancelled',
  pending: 'Pending',
};

const reasonWord: Record<string, string> = {
  insurance_not_accepted: 'Insurance',
  outside_service_area: 'Out of area',
  patient_declined: 'Pt declined',
  not_homebound: 'Not homebound',
  no_skilled_need: 'No skilled need',
  staffing_unavailable: 'Staffing',
  went_to_another_agency: 'Chose another agency',
  hospitalized: 'Hospitalized',
  expired: 'Expired',
  physician_would_not_sign: 'MD would not sign',
  other: 'Other',
};

/** How a typical referral log names the payer family. */
const payerWord: Record<DemoReferral['payerCategory'], string> = {
  medicare_ffs: 'Medicare',
  medicare_advantage: 'Medicare Advantage',
  medicaid_managed: 'Medicaid MCO',
  medicaid_ffs: 'Medicaid',
  commercial: 'Commercial',
  va_military: 'VA',
  self_pay: 'Self Pay',
  other: 'Other',
};

const dischargeWord: Record<NonNullable<DemoReferral['dischargeReason']>, string> = {
  goals_met: 'Goals Met',
  hospitalized: 'Hospitalized',
  transferred: 'Transferred',
  expired: 'Expired',
};

const kindWord: Record<string, string> = {
  hospital: 'Hospital',
  physician_practice: 'Physician Practice',
  snf: 'SNF',
  alf: 'ALF',
  case_manager: 'Case Manager',
};

function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function usDate(iso: string | undefined): string {
  return iso ? DateTime.fromISO(iso, { setZone: true }).toFormat('M/d/yyyy') : '';
}

function usDateTime(iso: string | undefined): string {
  return iso ? DateTime.fromISO(iso, { setZone: true }).toFormat('M/d/yyyy h:mm a') : '';
}

/** The nightly "Referral Log" as of `asOf` (an instant): each referral received by then, with its status then. */
export function agencyCsvExport(agency: DemoAgency, asOf = Number.POSITIVE_INFINITY): string {
  const lines = [csvColumns.join(',')];
  for (const r of agency.referrals) {
    if (Date.parse(r.receivedAt) > asOf) continue;
    const decided = r.decidedAt ?? r.acceptedAt;
    const known = decided !== undefined && Date.parse(decided) <= asOf;
    const admittedByThen = r.firstVisitAt !== undefined && Date.parse(r.firstVisitAt) <= asOf;
    const status = admittedByThen ? 'Admitted' : known && r.outcome !== 'admitted' ? statusWord[r.outcome] : known ? 'Accepted' : 'Pending';
    const discharged = r.dischargeDate !== undefined && Date.parse(`${r.dischargeDate}T23:59:59Z`) <= asOf;
    const row: Record<(typeof csvColumns)[number], string> = {
      'Referral ID': r.referralKey,
      MRN: r.patient.mrn,
      'Referral Date': usDateTime(r.receivedAt),
      Status: status,
      'Status Date': usDateTime(admittedByThen ? r.firstVisitAt : known ? decided : r.receivedAt),
      'Non-Admit Reason': status === 'Non-Admit' && r.nonAdmitReason ? (reasonWord[r.nonAdmitReason] ?? 'Other') : '',
      'Cancelled By': status === 'Cancelled' ? 'Referral Source' : '',
      'Service Line': r.businessLine === 'home_health' ? 'Home Health' : r.businessLine === 'hospice' ? 'Hospice' : 'Palliative',
      'Primary Payer': payerWord[r.payerCategory],
      'Referral Source': r.source.name,
      'Source Type': kindWord[r.source.kind] ?? 'Other',
      'Source NPI': r.source.npi,
      'Referring Physician': `${r.clinician.familyName}, ${r.clinician.givenName}`,
      'Physician NPI': r.clinician.npi,
      Marketer: r.source.marketerId,
      Branch: r.branch,
      'Patient ZIP': r.patient.zip,
      'Inpatient Discharge Date': r.inpatientDischargeDate ? usDate(`${r.inpatientDischargeDate}T12:00:00`) : '',
      'SOC Date': admittedByThen ? usDate(r.firstVisitAt) : '',
      'First Visit': admittedByThen ? usDateTime(r.firstVisitAt) : '',
      'Episode ID': admittedByThen ? (r.admissionKey ?? '') : '',
      'Discharge Date': discharged && r.dischargeDate ? usDate(`${r.dischargeDate}T12:00:00`) : '',
      'Discharge Reason': discharged && r.dischargeReason ? dischargeWord[r.dischargeReason] : '',
    };
    lines.push(csvColumns.map((column) => csvCell(row[column])).join(','));
  }
  return `${lines.join('\n')}\n`;
}
