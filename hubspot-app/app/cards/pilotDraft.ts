import type { PilotDraft, PilotLine, PilotMetric } from '@referralynx/hubspot-shared';

/**
 * The start-a-pilot form, checked here with the rules of src/domain/pilots.ts (pilotSchema) so a liaison sees a
 * mistake before sending; the server checks again, and its 400 errors are put back on the fields they name. Pure.
 */

export const METRICS: Array<{ metric: PilotMetric; label: string; withHours: boolean }> = [
  { metric: 'soc_within_hours', label: 'Admissions start care within … hours', withHours: true },
  { metric: 'same_day_soc_before_noon', label: 'Same-day start of care for referrals received before noon', withHours: false },
  { metric: 'conversion', label: 'Referrals admitted (conversion)', withHours: false },
  { metric: 'timely_initiation', label: 'Timely initiation of care (CMS)', withHours: false },
];

export const BUSINESS_LINE_OPTIONS = [
  { label: 'All business lines', value: '' },
  { label: 'Home health', value: 'home_health' },
  { label: 'Hospice', value: 'hospice' },
  { label: 'Palliative', value: 'palliative' },
];

export interface StandardInput {
  enabled: boolean;
  /** The target as a percentage, 1 to 100. */
  targetPercent: number | undefined;
  hours: number | undefined;
}

export interface PilotFormValues {
  name: string;
  periodStart: string;
  periodEnd: string;
  businessLine: string;
  /** ZIPs as typed: separated by commas or spaces. */
  serviceZips: string;
  standards: Record<PilotMetric, StandardInput>;
}

/** Field name to message; `form` for what belongs to no field. */
export type FieldErrors = Partial<Record<'name' | 'periodStart' | 'periodEnd' | 'businessLine' | 'serviceZips' | 'standards' | PilotMetric | 'form', string>>;

export function emptyPilotForm(): PilotFormValues {
  const standard = (targetPercent: number | undefined, hours?: number): StandardInput => ({ enabled: false, targetPercent, hours });
  return {
    name: '',
    periodStart: '',
    periodEnd: '',
    businessLine: '',
    serviceZips: '',
    standards: {
      soc_within_hours: standard(90, 24),
      same_day_soc_before_noon: standard(80),
      conversion: standard(80),
      timely_initiation: standard(90),
    },
  };
}

/** A pilot being edited, as the form shows it. */
export function pilotForm(pilot: PilotLine): PilotFormValues {
  const values = emptyPilotForm();
  for (const s of pilot.standards) values.standards[s.metric] = { enabled: true, targetPercent: Math.round(s.target * 1000) / 10, hours: s.hours };
  return { ...values, name: pilot.name, periodStart: pilot.periodStart, periodEnd: pilot.periodEnd, businessLine: pilot.businessLine ?? '', serviceZips: pilot.serviceZips.join(', ') };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isCalendarDate = (text: string) => DATE.test(text) && new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) === text;

export function validatePilot(values: PilotFormValues): { ok: true; draft: PilotDraft } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const name = values.name.trim();
  if (!name) errors.name = 'Give the pilot a name.';
  else if (name.length > 120) errors.name = 'A name is at most 120 characters.';
  if (!isCalendarDate(values.periodStart)) errors.periodStart = 'Enter the first day as YYYY-MM-DD.';
  if (!isCalendarDate(values.periodEnd)) errors.periodEnd = 'Enter the last day as YYYY-MM-DD.';
  else if (!errors.periodStart && values.periodEnd < values.periodStart) errors.periodEnd = 'The period must end on or after its start.';
  const zips = values.serviceZips.split(/[\s,]+/).filter(Boolean);
  const badZip = zips.find((zip) => !/^\d{5}$/.test(zip));
  if (badZip) errors.serviceZips = `"${badZip}" is not a 5-digit ZIP code.`;
  else if (zips.length > 200) errors.serviceZips = 'At most 200 ZIP codes.';

  const standards: PilotDraft['standards'] = [];
  for (const { metric, withHours } of METRICS) {
    const input = values.standards[metric];
    if (!input.enabled) continue;
    const target = input.targetPercent;
    if (target === undefined || !(target > 0 && target <= 100)) {
      errors[metric] = 'The target is a percentage above 0 and at most 100.';
      continue;
    }
    if (withHours) {
      if (input.hours === undefined || !(input.hours > 0 && input.hours <= 240)) {
        errors[metric] = 'The hours are above 0 and at most 240.';
        continue;
      }
      standards.push({ metric, hours: input.hours, target: target / 100 });
    } else {
      standards.push({ metric, target: target / 100 });
    }
  }
  if (standards.length === 0 && !METRICS.some(({ metric }) => errors[metric])) errors.standards = 'Choose at least one standard.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    draft: {
      name,
      periodStart: values.periodStart,
      periodEnd: values.periodEnd,
      ...(values.businessLine ? { businessLine: values.businessLine } : {}),
      ...(zips.length > 0 ? { serviceZips: zips } : {}),
      standards,
    },
  };
}

/** The server's 400 errors (paths such as `periodEnd`, `serviceZips.1`, `standards.0.target`) on the form's fields. */
export function serverFieldErrors(errors: Array<{ path: string; message: string }>, sent: PilotDraft): FieldErrors {
  const fields: FieldErrors = {};
  for (const { path, message } of errors) {
    const [head, index] = path.split('.');
    let field: keyof FieldErrors = 'form';
    if (head === 'name' || head === 'periodStart' || head === 'periodEnd' || head === 'businessLine' || head === 'serviceZips') field = head;
    else if (head === 'standards') field = (index !== undefined && sent.standards[Number(index)]?.metric) || 'standards';
    fields[field] = fields[field] ? `${fields[field]} ${message}` : message;
  }
  return fields;
}
