import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtInProfileNames, CsvProfileError, loadProfile, parseCsvProfile, type CsvProfileInput } from '../../src/ehr/csv';

const minimal: CsvProfileInput = {
  name: 'minimal',
  columns: { referralKey: 'Referral ID', patientId: 'MRN', status: 'Status', receivedAt: 'Referral Date' },
};

let folder: string;
beforeAll(() => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'csv-profiles-'));
});
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(folder, name);
  fs.writeFileSync(file, text);
  return file;
}

/** The CsvProfileError a call throws (fails the test when it does not throw one). */
function errorOf(call: () => unknown): CsvProfileError {
  try {
    call();
  } catch (error) {
    if (error instanceof CsvProfileError) return error;
    throw error;
  }
  throw new Error('expected a CsvProfileError');
}

describe('built-in profiles', () => {
  it('ships the generic referral log profile and a differently shaped example', () => {
    expect(builtInProfileNames()).toEqual(expect.arrayContaining(['generic', 'hospice-intake-log']));
    const generic = loadProfile('generic');
    expect(generic).toMatchObject({ name: 'generic', delimiter: ',', encoding: 'utf8', skipRows: 0 });
    expect(generic.columns.referralKey).toBe('Referral ID');
    const hospice = loadProfile('hospice-intake-log');
    expect(hospice).toMatchObject({ name: 'hospice-intake-log', delimiter: ';', encoding: 'latin1', skipRows: 2 });
    expect(hospice.columns.referralKey).toBe('{Branch Code}-{Referral No}');
    expect(hospice.columns.businessLine).toEqual({ constant: 'Hospice' });
  });

  it('maps the common report wordings of the generic profile to canonical values', () => {
    const { valueMaps } = loadProfile('generic');
    expect(valueMaps.status?.values).toMatchObject({
      Admitted: 'admitted',
      'Non-Admit': 'non_admitted',
      'Not Taken Under Care': 'non_admitted',
      Pending: 'pending_intake',
      Accepted: 'accepted',
      Cancelled: 'cancelled',
      'SOC Scheduled': 'soc_scheduled',
    });
    expect(valueMaps.nonAdmitReason?.values).toMatchObject({
      Insurance: 'insurance_not_accepted',
      'Out of area': 'outside_service_area',
      'Pt declined': 'patient_declined',
      'Not homebound': 'not_homebound',
      'No skilled need': 'no_skilled_need',
      Staffing: 'staffing_unavailable',
      'Chose another agency': 'went_to_another_agency',
      Hospitalized: 'hospitalized',
      Expired: 'expired',
      'MD would not sign': 'physician_would_not_sign',
    });
    expect(valueMaps.payerCategory?.values).toMatchObject({
      Medicare: 'medicare_ffs',
      'Medicare Advantage': 'medicare_advantage',
      'Humana Medicare': 'medicare_advantage',
      Medicaid: 'medicaid_ffs',
      'Medicaid MCO': 'medicaid_managed',
      Commercial: 'commercial',
      BCBS: 'commercial',
      VA: 'va_military',
      TRICARE: 'va_military',
      'Self Pay': 'self_pay',
      'Private Pay': 'self_pay',
    });
  });

  it('names the built-in profiles when asked for one that does not exist', () => {
    const error = errorOf(() => loadProfile('hchb'));
    expect(error.message).toMatch(/^CSV profile hchb: no built-in profile has this name \(built-in: .*generic.*hospice-intake-log/);
  });
});

describe('profile files', () => {
  it('loads a YAML file by path and applies the defaults', () => {
    // A header with " #" or ": " must be quoted in YAML, or the rest of it is read as a comment or a key.
    const file = write('agency.yaml', 'name: agency\ncolumns:\n  referralKey: "Ref #"\n  patientId: MRN\n  status: Status\n  referralDate: Referred\n');
    expect(loadProfile(file)).toEqual({
      name: 'agency',
      delimiter: ',',
      encoding: 'utf8',
      skipRows: 0,
      dateFormats: ['M/d/yyyy', 'M/d/yyyy h:mm a', 'M/d/yyyy H:mm', 'yyyy-MM-dd', "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssZZ"],
      columns: { referralKey: 'Ref #', patientId: 'MRN', status: 'Status', referralDate: 'Referred' },
      valueMaps: {},
    });
  });

  it('loads a JSON file by path', () => {
    const file = write('agency.json', JSON.stringify({ ...minimal, name: 'from-json', delimiter: '\t' }));
    expect(loadProfile(file)).toMatchObject({ name: 'from-json', delimiter: '\t' });
  });

  it('names the file when it cannot be read or parsed', () => {
    expect(errorOf(() => loadProfile(path.join(folder, 'missing.yaml'))).message).toBe(
      `CSV profile ${path.join(folder, 'missing.yaml')}: cannot be read (ENOENT)`,
    );
    const broken = write('broken.yaml', 'name: x\ncolumns:\n  referralKey: [unclosed\n');
    expect(errorOf(() => loadProfile(broken)).message).toMatch(new RegExp(`^CSV profile ${broken}: is not valid YAML: `));
    const badJson = write('broken.json', '{"name": ');
    expect(errorOf(() => loadProfile(badJson)).message).toMatch(new RegExp(`^CSV profile ${badJson}: is not valid JSON: `));
  });

  it('refuses an unknown field, naming the file and where the field is', () => {
    const file = write('typo.yaml', 'name: typo\ndelimeter: ";"\ncolumns:\n  referralKey: Ref\n  patientId: MRN\n  status: Status\n  receivedAt: Date\n  referalDate: Date\n');
    const error = errorOf(() => loadProfile(file));
    expect(error.source).toBe(file);
    expect(error.problems).toEqual(['columns: Unrecognized key: "referalDate"', 'Unrecognized key: "delimeter"']);
  });

  it('refuses date formats that cannot read back the dates they write', () => {
    const error = errorOf(() =>
      parseCsvProfile({ ...minimal, dateFormats: ['M/d/yyyy', 'M/d/yyy', 'yyyy-MM-dd hh:mm', 'yyyy-MM-dd HH:MM', 'M/d'] }, 'inline'),
    );
    expect(error.problems).toEqual([
      'dateFormats[1]: "M/d/yyy" does not read a full date: it needs a year (yyyy or yy), a month (M, MM, MMM) and a day (d, dd)',
      'dateFormats[2]: "yyyy-MM-dd hh:mm" reads the hour wrong: a 12-hour clock (h, hh) needs the AM/PM token a',
      'dateFormats[3]: "yyyy-MM-dd HH:MM" reads the minutes wrong: minutes are mm (months are MM)',
      'dateFormats[4]: "M/d" does not read a full date: it needs a year (yyyy or yy), a month (M, MM, MMM) and a day (d, dd)',
    ]);
  });

  it('refuses a value map translating to a value the canonical schema does not have', () => {
    const error = errorOf(() =>
      parseCsvProfile({ ...minimal, valueMaps: { status: { values: { Admitted: 'admited' } }, payerCategory: { unknown: 'medicare' } } }, 'inline'),
    );
    expect(error.problems).toHaveLength(2);
    expect(error.problems[0]).toMatch(/^valueMaps\.status\.values\.Admitted: Invalid option: expected one of "received"\|"pending_intake"/);
    expect(error.problems[1]).toMatch(/^valueMaps\.payerCategory\.unknown: Invalid option: expected one of "medicare_ffs"/);
  });

  it('refuses two words of a value map that are the same once case and spaces are ignored', () => {
    const error = errorOf(() => parseCsvProfile({ ...minimal, valueMaps: { status: { values: { Admitted: 'admitted', ' ADMITTED ': 'admitted' } } } }, 'inline'));
    expect(error.problems).toEqual(['valueMaps.status.values.ADMITTED: "ADMITTED" and "Admitted" are the same word once case and spaces are ignored']);
  });

  it('requires the referral key, the patient id, the status and when the referral was received', () => {
    const error = errorOf(() => parseCsvProfile({ name: 'bare', columns: { branch: 'Branch' } }, 'bare.yaml'));
    expect(error.message).toBe(
      'CSV profile bare.yaml: columns.referralKey: must be a column header, a template such as "{Referral Date} {Referral Time}", ' +
        '{ from: <header or template>, optional: true } or { constant: <value> }; columns.patientId: must be a column header, a template such as ' +
        '"{Referral Date} {Referral Time}", { from: <header or template>, optional: true } or { constant: <value> }; columns.status: must be a ' +
        'column header, a template such as "{Referral Date} {Referral Time}", { from: <header or template>, optional: true } or { constant: <value> }',
    );
    const noDate = errorOf(() => parseCsvProfile({ name: 'nodate', columns: { referralKey: 'Ref', patientId: 'MRN', status: 'Status' } }, 'inline'));
    expect(noDate.problems).toEqual(['columns.receivedAt: map receivedAt or referralDate: every referral needs the moment it was received']);
  });

  it('refuses malformed templates, a bad name and a delimiter the parser cannot use', () => {
    const error = errorOf(() =>
      parseCsvProfile({ ...minimal, name: 'Has Spaces', delimiter: '"', columns: { ...minimal.columns, receivedAt: '{Referral Date} {Time' } }, 'inline'),
    );
    expect(error.problems).toEqual([
      'name: must be 1-50 lower-case letters, digits, - or _, starting with a letter or digit',
      'delimiter: must not contain a quote or a line break',
      'columns.receivedAt: "{Referral Date} {Time" is not a valid template: write each column as {Column Header}, braces balanced and not nested',
    ]);
  });

  it('refuses a practitioner mapped both as one "Last, First" column and as separate names', () => {
    const error = errorOf(() =>
      parseCsvProfile({ ...minimal, columns: { ...minimal.columns, referringPractitioner: { name: 'Physician', familyName: 'Physician Last' } } }, 'inline'),
    );
    expect(error.problems).toEqual(['columns.referringPractitioner: map either name (one "Last, First" column) or familyName and givenName, not both']);
  });
});
