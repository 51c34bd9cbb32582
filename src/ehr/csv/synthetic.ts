import { Readable } from 'node:stream';
import { completeNpi } from '../../domain/npi';
import { seededRandom } from '../../seededRandom';

/**
 * Synthetic "Referral Log" rows in the shape the built-in `generic` profile reads, for benchmarks and load tests:
 * invented people and places only, deterministic for a seed. Every status and most optional columns appear, with
 * the patient name and birth date columns a real export carries (the profile ignores them).
 */
const syntheticHeader = [
  'Referral ID', 'Referral Date', 'Patient Name', 'DOB', 'MRN', 'Service Line', 'Status', 'Status Date',
  'Non-Admit Reason', 'Cancelled By', 'Primary Payer', 'Referral Source', 'Source Type', 'Source NPI',
  'Referring Physician', 'Physician NPI', 'Marketer', 'Branch', 'Patient ZIP', 'Ordered SOC Date',
  'Inpatient Discharge Date', 'SOC Date', 'First Visit', 'Episode ID', 'Discharge Date', 'Discharge Reason',
];

const sources = Array.from({ length: 60 }, (_, i) => ({
  name: `${['Sample', 'Example', 'Placeholder', 'Fictional'][i % 4]} ${['General Hospital', 'Family Practice', 'Rehab Center', 'Senior Living'][Math.floor(i / 4) % 4]} ${String(i + 1).padStart(2, '0')}`,
  kind: ['Hospital', 'Physician Office', 'SNF', 'ALF'][Math.floor(i / 4) % 4] ?? 'Hospital',
  npi: completeNpi(String(100_000_000 + i * 7919).slice(0, 9)),
}));
const physicians = Array.from({ length: 120 }, (_, i) => ({
  name: `Testdoc${i + 1}, ${['Alex', 'Sam', 'Jordan', 'Casey', 'Riley'][i % 5]} ${i % 3 === 0 ? 'MD' : i % 3 === 1 ? 'DO' : 'NP'}`,
  npi: completeNpi(String(200_000_000 + i * 104_729).slice(0, 9)),
}));
const payers = ['Medicare', 'Medicare', 'Medicare Advantage', 'Humana Medicare', 'Medicaid', 'Medicaid MCO', 'BCBS', 'Commercial', 'VA', 'Private Pay'];
const reasons = ['Insurance', 'Out of area', 'Pt declined', 'Not homebound', 'No skilled need', 'Staffing', 'Chose another agency', 'Hospitalized', 'Expired', 'MD would not sign'];
const dischargeReasons = ['Goals Met', 'Transferred', 'Hospitalized', 'Expired', 'Moved'];

const day = (base: Date, plus: number) => {
  const date = new Date(base.getTime() + plus * 86_400_000);
  return `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()}`;
};
const quote = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

function rowText(index: number, random: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const start = new Date(Date.UTC(2026, 0, 1));
  const received = Math.floor(random() * 330);
  const hour = 7 + Math.floor(random() * 11);
  const minute = Math.floor(random() * 60);
  const source = pick(sources);
  const physician = pick(physicians);
  const roll = random();
  const status =
    roll < 0.4 ? 'Admitted' : roll < 0.5 ? 'Discharged' : roll < 0.65 ? 'Non-Admit' : roll < 0.72 ? 'Pending' : roll < 0.8 ? 'Accepted' : roll < 0.9 ? 'SOC Scheduled' : roll < 0.95 ? 'Cancelled' : 'Not Taken Under Care';
  const hospice = status === 'Not Taken Under Care' || random() < 0.15;
  const soc = received + 1 + Math.floor(random() * 4);
  const admitted = status === 'Admitted' || status === 'Discharged';
  const nonAdmitted = status === 'Non-Admit' || status === 'Not Taken Under Care';
  const statusDate = admitted ? soc : status === 'SOC Scheduled' || status === 'Pending' ? received : received + 1;
  const discharged = status === 'Discharged' ? soc + 20 + Math.floor(random() * 40) : undefined;
  const cells = [
    `R-${String(index + 1).padStart(8, '0')}`,
    `${day(start, received)} ${hour > 12 ? hour - 12 : hour}:${String(minute).padStart(2, '0')} ${hour >= 12 ? 'PM' : 'AM'}`,
    `Sample, Patient ${index + 1}`,
    day(new Date(Date.UTC(1930, 0, 1)), Math.floor(random() * 20_000)),
    `MRN${String(Math.floor(random() * 1e8)).padStart(8, '0')}`,
    hospice ? 'Hospice' : 'Home Health',
    status,
    day(start, statusDate),
    nonAdmitted ? pick(reasons) : '',
    status === 'Cancelled' ? pick(['Referral Source', 'Agency', '']) : '',
    pick(payers),
    source.name,
    source.kind,
    source.npi,
    physician.name,
    physician.npi,
    `M${String(1 + Math.floor(random() * 25)).padStart(3, '0')}`,
    pick(['North', 'South', 'East', 'West']),
    String(60_000 + Math.floor(random() * 999)),
    random() < 0.3 ? day(start, received + 2) : '',
    random() < 0.5 ? day(start, received - Math.floor(random() * 3)) : '',
    admitted || status === 'SOC Scheduled' ? day(start, soc) : '',
    admitted ? `${day(start, soc)} 10:30 AM` : '',
    admitted ? `E-${String(index + 1).padStart(8, '0')}` : '',
    discharged === undefined ? '' : day(start, discharged),
    discharged === undefined ? '' : pick(dischargeReasons),
  ];
  return cells.map(quote).join(',');
}

/** `count` synthetic rows after a header, as a byte stream produced on demand (memory stays flat for any count). */
export function syntheticReferralRows(count: number, seed: number): Readable {
  const random = seededRandom(seed);
  function* chunks(): Generator<Buffer> {
    yield Buffer.from(`${syntheticHeader.join(',')}\r\n`);
    for (let start = 0; start < count; start += 500) {
      const lines: string[] = [];
      for (let index = start; index < Math.min(count, start + 500); index += 1) lines.push(rowText(index, random));
      yield Buffer.from(`${lines.join('\r\n')}\r\n`);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
