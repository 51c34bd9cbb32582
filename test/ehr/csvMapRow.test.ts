import { canonicalEvent, type CanonicalEvent } from '../../src/domain/events';
import { loadProfile, mapCsvRow, parseCsvProfile, type CsvAdapterContext, type CsvProfile } from '../../src/ehr/csv';
import { createPatientHasher } from '../../src/ehr/patientHash';
import type { ParseOutcome } from '../../src/ehr/types';

const hashPatient = createPatientHasher(Buffer.alloc(32, 7));
const ctx: CsvAdapterContext = { feed: 'csv:generic', timeZone: 'America/Chicago', hashPatient, fileName: 'referral-log.csv' };
const generic = loadProfile('generic');

/** A row of the generic "Referral Log": every column empty but the patient's, unless given. */
function referralRow(cells: Record<string, string>): Record<string, string> {
  const columns = [
    'Referral ID', 'Referral Date', 'Patient Name', 'DOB', 'MRN', 'Service Line', 'Status', 'Status Date', 'Non-Admit Reason',
    'Cancelled By', 'Primary Payer', 'Referral Source', 'Source Type', 'Source NPI', 'Referring Physician', 'Physician NPI',
    'Marketer', 'Branch', 'Patient ZIP', 'Ordered SOC Date', 'Inpatient Discharge Date', 'Inpatient Discharge Within 14 Days',
    'SOC Date', 'First Visit', 'Episode ID', 'Discharge Date', 'Discharge Reason',
  ];
  const row: Record<string, string> = Object.fromEntries(columns.map((name) => [name, '']));
  return { ...row, 'Patient Name': 'Testpatient, Alpha', DOB: '2/14/1941', MRN: 'MRN-000101', ...cells };
}

function eventsOf(outcome: ParseOutcome): CanonicalEvent[] {
  if (!outcome.ok) throw new Error(`expected events, got: ${outcome.reason}`);
  return outcome.events;
}

function reasonOf(outcome: ParseOutcome): string {
  if (outcome.ok) throw new Error('expected a refusal');
  return outcome.reason;
}

const patientHash = hashPatient({ value: 'MRN-000101' });
const eventId = expect.stringMatching(/^csv:[0-9a-f]{64}$/);
const sourceOf = (referralKey: string) => ({
  format: 'csv',
  feed: 'csv:generic',
  messageId: expect.stringMatching(new RegExp(`^csv:generic:${referralKey}:[0-9a-f]{24}$`)),
});

describe('a row is a snapshot of its referral: received, then the event of its status', () => {
  it('an admission on the day daylight saving time starts: received in CDT, admitted at its first visit', () => {
    const outcome = mapCsvRow(
      referralRow({
        'Referral ID': 'R-1001', 'Referral Date': '3/8/2026 9:15 AM', 'Service Line': 'Home Health', Status: 'Admitted',
        'Status Date': '3/10/2026', 'Primary Payer': 'Medicare', 'Referral Source': 'Lakeshore General Hospital', 'Source Type': 'Hospital',
        'Source NPI': '1234567893', 'Referring Physician': 'Okafor, Adaeze MD', 'Physician NPI': '1357924681', Marketer: 'M-014',
        Branch: 'North', 'Patient ZIP': '60614', 'Ordered SOC Date': '3/10/2026', 'Inpatient Discharge Date': '3/7/2026',
        'Inpatient Discharge Within 14 Days': 'Yes', 'SOC Date': '3/10/2026', 'First Visit': '3/10/2026 1:30 PM', 'Episode ID': 'EP-5001',
      }),
      2,
      generic,
      ctx,
    );
    expect(outcome).toEqual({
      ok: true,
      messageKey: expect.stringMatching(/^csv:generic:R-1001:[0-9a-f]{24}$/),
      events: [
        {
          eventId,
          kind: 'referral.received',
          // 9:15 on 8 March 2026 is after the 2 AM change to CDT (UTC-5).
          occurredAt: '2026-03-08T09:15:00-05:00',
          source: sourceOf('R-1001'),
          patientHash,
          referralKey: 'R-1001',
          facts: {
            receivedAt: '2026-03-08T09:15:00-05:00',
            referralDate: '2026-03-08',
            physicianOrderedSocDate: '2026-03-10',
            inpatientDischargeIn14Days: 'yes',
            inpatientDischargeDate: '2026-03-07',
            businessLine: 'home_health',
            payerCategory: 'medicare_ffs',
            payerName: 'Medicare',
            referringOrganization: { name: 'Lakeshore General Hospital', npi: '1234567893', kind: 'hospital' },
            referringPractitioner: { familyName: 'Okafor', givenName: 'Adaeze', suffix: 'MD', npi: '1357924681' },
            marketerId: 'M-014',
            branch: 'North',
            serviceZip: '60614',
          },
        },
        {
          eventId,
          kind: 'admission.admitted',
          occurredAt: '2026-03-10T13:30:00-05:00',
          source: sourceOf('R-1001'),
          patientHash,
          admissionKey: 'EP-5001',
          referralKey: 'R-1001',
          socDate: '2026-03-10',
          firstVisitAt: '2026-03-10T13:30:00-05:00',
        },
      ],
    });
    const [received, admitted] = eventsOf(outcome);
    expect(received?.source.messageId).toBe((outcome as { messageKey: string }).messageKey);
    expect(received?.eventId).not.toBe(admitted?.eventId);
  });

  it('a non-admission across the change: a date alone is midnight, CST before it and CDT after', () => {
    const events = eventsOf(
      mapCsvRow(
        referralRow({ 'Referral ID': 'R-1002', 'Referral Date': '3/7/2026', Status: 'Non-Admit', 'Status Date': '3/9/2026', 'Non-Admit Reason': 'Insurance', 'Referral Source': 'Prairie Family Practice' }),
        3,
        generic,
        ctx,
      ),
    );
    expect(events).toEqual([
      {
        eventId, kind: 'referral.received', occurredAt: '2026-03-07T00:00:00-06:00', source: sourceOf('R-1002'), patientHash, referralKey: 'R-1002',
        facts: { receivedAt: '2026-03-07T00:00:00-06:00', referralDate: '2026-03-07', referringOrganization: { name: 'Prairie Family Practice' } },
      },
      { eventId, kind: 'referral.non_admitted', occurredAt: '2026-03-09T00:00:00-05:00', source: sourceOf('R-1002'), patientHash, referralKey: 'R-1002', reason: 'insurance_not_accepted' },
    ]);
  });

  it('hospice "not taken under care" on the day DST ends: 8 AM is back on CST', () => {
    const events = eventsOf(
      mapCsvRow(
        referralRow({
          'Referral ID': 'R-1003', 'Referral Date': '11/1/2026 8:00 AM', 'Service Line': 'Hospice', Status: 'Not Taken Under Care',
          'Status Date': '11/2/2026', 'Non-Admit Reason': 'Chose another agency', 'Primary Payer': 'Humana Medicare',
          'Referral Source': 'Maple Court Assisted Living', 'Source Type': 'ALF', 'Referring Physician': 'Haddad, Samir, NP',
        }),
        4,
        generic,
        ctx,
      ),
    );
    expect(events.map(({ kind, occurredAt }) => [kind, occurredAt])).toEqual([
      ['referral.received', '2026-11-01T08:00:00-06:00'],
      ['referral.non_admitted', '2026-11-02T00:00:00-06:00'],
    ]);
    expect(events[0]).toMatchObject({
      facts: {
        businessLine: 'hospice',
        payerCategory: 'medicare_advantage',
        payerName: 'Humana Medicare',
        referringOrganization: { name: 'Maple Court Assisted Living', kind: 'alf' },
        referringPractitioner: { familyName: 'Haddad', givenName: 'Samir', suffix: 'NP' },
      },
    });
    expect(events[1]).toMatchObject({ reason: 'went_to_another_agency' });
  });

  it('a pending or newly received referral gives the received event alone', () => {
    for (const status of ['Pending', 'New', 'pending_intake']) {
      const events = eventsOf(mapCsvRow(referralRow({ 'Referral ID': 'R-1004', 'Referral Date': '11/18/2026 10:05 AM', Status: status }), 5, generic, ctx));
      expect(events).toEqual([
        { eventId, kind: 'referral.received', occurredAt: '2026-11-18T10:05:00-06:00', source: sourceOf('R-1004'), patientHash, referralKey: 'R-1004', facts: { receivedAt: '2026-11-18T10:05:00-06:00', referralDate: '2026-11-18' } },
      ]);
    }
  });

  it('an accepted referral is accepted at its status date and time', () => {
    const events = eventsOf(
      mapCsvRow(referralRow({ 'Referral ID': 'R-1005', 'Referral Date': '11/19/2026 4:10 PM', Status: 'Accepted', 'Status Date': '11/20/2026 3:45 PM' }), 6, generic, ctx),
    );
    expect(events[1]).toEqual({ eventId, kind: 'referral.accepted', occurredAt: '2026-11-20T15:45:00-06:00', source: sourceOf('R-1005'), patientHash, referralKey: 'R-1005' });
  });

  it('a scheduled start of care carries the scheduled date, and happened at the status date', () => {
    const events = eventsOf(
      mapCsvRow(
        referralRow({ 'Referral ID': 'R-1006', 'Referral Date': '11/20/2026 11:00 AM', Status: 'SOC Scheduled', 'Status Date': '11/21/2026', 'SOC Date': '11/24/2026', 'Primary Payer': 'Medicaid' }),
        7,
        generic,
        ctx,
      ),
    );
    expect(events[0]).toMatchObject({ facts: { payerCategory: 'medicaid_ffs' } });
    expect(events[1]).toEqual({ eventId, kind: 'soc.scheduled', occurredAt: '2026-11-21T00:00:00-06:00', source: sourceOf('R-1006'), patientHash, referralKey: 'R-1006', scheduledSocDate: '2026-11-24' });
  });

  it('a cancellation says who cancelled; without a status date it is dated when the referral was received', () => {
    const bySource = eventsOf(
      mapCsvRow(referralRow({ 'Referral ID': 'R-1007', 'Referral Date': '11/21/2026 9:00 AM', Status: 'Cancelled', 'Status Date': '11/22/2026', 'Cancelled By': 'Referral Source' }), 8, generic, ctx),
    );
    expect(bySource[1]).toEqual({ eventId, kind: 'referral.cancelled', occurredAt: '2026-11-22T00:00:00-06:00', source: sourceOf('R-1007'), patientHash, referralKey: 'R-1007', cancelledBy: 'source' });
    const unknown = eventsOf(mapCsvRow(referralRow({ 'Referral ID': 'R-1012', 'Referral Date': '11/23/2026 1:15 PM', Status: 'Canceled' }), 13, generic, ctx));
    expect(unknown[1]).toEqual({ eventId, kind: 'referral.cancelled', occurredAt: '2026-11-23T13:15:00-06:00', source: sourceOf('R-1012'), patientHash, referralKey: 'R-1012', cancelledBy: 'unknown' });
  });

  it('a discharged admission gives the admission at its start of care and the discharge, keyed by the referral without an episode id', () => {
    const events = eventsOf(
      mapCsvRow(
        referralRow({ 'Referral ID': 'R-1008', 'Referral Date': '9/1/2026 2:00 PM', Status: 'Discharged', 'Status Date': '10/15/2026', 'SOC Date': '9/3/2026', 'Discharge Date': '10/15/2026', 'Discharge Reason': 'Goals Met' }),
        9,
        generic,
        ctx,
      ),
    );
    expect(events.slice(1)).toEqual([
      // The status date moved to the discharge; the admission still happened at the start of care.
      { eventId, kind: 'admission.admitted', occurredAt: '2026-09-03T00:00:00-05:00', source: sourceOf('R-1008'), patientHash, admissionKey: 'R-1008:admission', referralKey: 'R-1008', socDate: '2026-09-03' },
      { eventId, kind: 'admission.discharged', occurredAt: '2026-10-15T00:00:00-05:00', source: sourceOf('R-1008'), patientHash, admissionKey: 'R-1008:admission', dischargeDate: '2026-10-15', reason: 'goals_met' },
    ]);
  });

  it("billing's finding: a profile that maps the not-billable columns gives the admission's non_billable event", () => {
    const billing = parseCsvProfile({ ...generic, name: 'with-billing', columns: { ...generic.columns, nonBillableDate: 'Not Billable Since', nonBillableReason: 'Billing Note' } }, 'inline');
    const row = (cells: Record<string, string>) => ({
      ...referralRow({ 'Referral ID': 'R-1009', 'Referral Date': '9/1/2026 2:00 PM', Status: 'Admitted', 'Status Date': '9/3/2026', 'SOC Date': '9/3/2026', 'Episode ID': 'EP-9' }),
      'Not Billable Since': '',
      'Billing Note': '',
      ...cells,
    });
    const events = eventsOf(mapCsvRow(row({ 'Not Billable Since': '9/20/2026', 'Billing Note': '  No signed   plan of care ' }), 10, billing, ctx));
    expect(events.at(-1)).toEqual({
      eventId,
      kind: 'admission.non_billable',
      occurredAt: '2026-09-20T00:00:00-05:00',
      source: { ...sourceOf('R-1009'), feed: 'csv:generic', messageId: expect.stringMatching(/^csv:with-billing:R-1009:[0-9a-f]{24}$/) },
      patientHash,
      admissionKey: 'EP-9',
      reason: 'No signed plan of care',
    });
    expect(reasonOf(mapCsvRow(row({ 'Not Billable Since': '9/20/2026' }), 11, billing, ctx))).toContain('column "Billing Note" (nonBillableReason) is empty: billing\'s finding needs its reason');
    expect(reasonOf(mapCsvRow(row({ Status: 'Pending', 'SOC Date': '', 'Not Billable Since': '9/20/2026', 'Billing Note': 'Denied' }), 12, billing, ctx))).toContain(
      'column "Not Billable Since" (nonBillableDate) is filled but the status is pending_intake: only an admission can be found not billable',
    );
  });

  it('every event passes the canonical schema', () => {
    const outcome = mapCsvRow(referralRow({ 'Referral ID': 'R-1', 'Referral Date': '11/2/2026', Status: 'Admitted', 'SOC Date': '11/4/2026', 'Discharge Date': '11/30/2026', 'Discharge Reason': 'Expired' }), 2, generic, ctx);
    for (const event of eventsOf(outcome)) expect(canonicalEvent.parse(event)).toEqual(event);
  });
});

describe('value maps', () => {
  it('match report words ignoring case and extra spaces, and understand the canonical values themselves', () => {
    const events = eventsOf(
      mapCsvRow(
        referralRow({
          'Referral ID': 'R-1010', 'Referral Date': '11/3/2026', Status: '  NON-ADMIT ', 'Non-Admit Reason': 'out of  AREA', 'Primary Payer': 'medicare ADVANTAGE',
          'Service Line': 'HOME HEALTH', 'Referral Source': 'Prairie Family Practice', 'Source Type': 'physician office',
        }),
        11,
        generic,
        ctx,
      ),
    );
    expect(events[0]).toMatchObject({ facts: { businessLine: 'home_health', payerCategory: 'medicare_advantage', referringOrganization: { kind: 'physician_practice' } } });
    expect(events[1]).toMatchObject({ kind: 'referral.non_admitted', reason: 'outside_service_area' });
    const canonical = eventsOf(mapCsvRow(referralRow({ 'Referral ID': 'R-1', 'Referral Date': '11/3/2026', Status: 'non_admitted', 'Non-Admit Reason': 'No_Skilled_Need' }), 2, generic, ctx));
    expect(canonical[1]).toMatchObject({ reason: 'no_skilled_need' });
  });

  it('refuse an unknown status, naming the column, the word and what the map accepts', () => {
    const outcome = mapCsvRow(referralRow({ 'Referral ID': 'R-1', 'Referral Date': '11/3/2026', Status: 'Admited' }), 7, generic, ctx);
    expect(outcome).toEqual({ ok: false, position: 'referral-log.csv:7', reason: expect.any(String) });
    expect(reasonOf(outcome)).toBe(
      'column "Status" (status) has "Admited", which valueMaps.status of profile "generic" does not list; it accepts New, Received, Pending, ' +
        'Pending Intake, In Intake, Accepted, SOC Scheduled, Scheduled, Admitted, Active, Discharged, Non-Admit, Non Admit, Not Admitted, ' +
        'Not Taken Under Care, NTUC, Cancelled, Canceled, or a canonical value (received, pending_intake, accepted, soc_scheduled, admitted, ' +
        'non_admitted, cancelled)',
    );
  });

  it('refuse an unknown reason and an unknown payer in one message', () => {
    const reason = reasonOf(
      mapCsvRow(referralRow({ 'Referral ID': 'R-1', 'Referral Date': '11/3/2026', Status: 'Non-Admit', 'Non-Admit Reason': 'Insurance denied', 'Primary Payer': 'Oscar Health' }), 12, generic, ctx),
    );
    expect(reason).toMatch(/^column "Primary Payer" \(payerCategory\) has "Oscar Health", which valueMaps\.payerCategory of profile "generic" does not list; it accepts Medicare, /);
    expect(reason).toMatch(/; column "Non-Admit Reason" \(nonAdmitReason\) has "Insurance denied", which valueMaps\.nonAdmitReason of profile "generic" does not list; it accepts Insurance, /);
  });

  it('do not quote a value that could be patient data landed in the wrong column', () => {
    const reason = reasonOf(mapCsvRow(referralRow({ 'Referral ID': 'R-1', 'Referral Date': '11/3/2026', Status: 'MRN-000101', 'Primary Payer': 'Aetna Better Health 2' }), 5, generic, ctx));
    expect(reason).toContain('column "Status" (status) has a value of 10 characters, not shown because it does not look like a status or category word');
    expect(reason).toContain('column "Primary Payer" (payerCategory) has a value of 21 characters, not shown');
    expect(reason).not.toMatch(/MRN-000101|Better Health/);
    // "Last, First" is a name, not a status word.
    expect(reasonOf(mapCsvRow(referralRow({ 'Referral ID': 'R-1', 'Referral Date': '11/3/2026', Status: 'Testpatient, Alpha' }), 5, generic, ctx))).toMatch(
      /^column "Status" \(status\) has a value of 18 characters, not shown/,
    );
  });

  it('use the profile\'s defaults for a word it does not list and for an empty cell', () => {
    const lenient = parseCsvProfile(
      { ...generic, name: 'lenient', valueMaps: { ...generic.valueMaps, nonAdmitReason: { values: {}, blank: 'other', unknown: 'other' }, payerCategory: { values: {}, unknown: 'other' } } },
      'inline',
    );
    for (const cell of ['', 'Family moved away']) {
      const events = eventsOf(mapCsvRow(referralRow({ 'Referral ID': 'R-1', 'Referral Date': '11/3/2026', Status: 'Non-Admit', 'Non-Admit Reason': cell, 'Primary Payer': 'Oscar Health' }), 2, lenient, ctx));
      expect(events[0]).toMatchObject({ facts: { payerCategory: 'other', payerName: 'Oscar Health' } });
      expect(events[1]).toMatchObject({ kind: 'referral.non_admitted', reason: 'other' });
    }
    // Without a blank default, a non-admission needs its reason.
    expect(reasonOf(mapCsvRow(referralRow({ 'Referral ID': 'R-1', 'Referral Date': '11/3/2026', Status: 'Non-Admit' }), 2, generic, ctx))).toBe(
      'column "Non-Admit Reason" (nonAdmitReason) is empty: a non-admitted referral needs its reason (or set valueMaps.nonAdmitReason.blank in profile "generic")',
    );
  });
});

describe('refusals name the column and the problem, never the patient\'s data', () => {
  const refused = (cells: Record<string, string>) => reasonOf(mapCsvRow(referralRow({ 'Referral ID': 'R-1', 'Referral Date': '11/3/2026', Status: 'Pending', ...cells }), 9, generic, ctx));

  it('an admission without its start of care date', () => {
    expect(refused({ Status: 'Admitted' })).toBe('column "SOC Date" (socDate) is empty: an admitted referral needs its start of care date (OASIS M0030)');
    expect(refused({ Status: 'SOC Scheduled' })).toBe('column "SOC Date" (socDate) is empty: a referral with its start of care scheduled needs the scheduled date');
  });

  it('dates that none of the profile\'s formats read, without quoting them', () => {
    const reason = refused({ 'Referral Date': '13/45/2026', 'Status Date': '2026.11.03' });
    expect(reason).toBe(
      'column "Referral Date" (receivedAt) is not a date in any of the profile\'s dateFormats (M/d/yyyy, M/d/yyyy h:mm a, M/d/yyyy H:mm, yyyy-MM-dd, yyyy-MM-dd HH:mm, ' +
        "yyyy-MM-dd'T'HH:mm:ss, yyyy-MM-dd'T'HH:mm:ssZZ); column \"Status Date\" (statusDate) is not a date in any of the profile's dateFormats (M/d/yyyy, " +
        "M/d/yyyy h:mm a, M/d/yyyy H:mm, yyyy-MM-dd, yyyy-MM-dd HH:mm, yyyy-MM-dd'T'HH:mm:ss, yyyy-MM-dd'T'HH:mm:ssZZ)",
    );
    expect(reason).not.toMatch(/13\/45|2026\.11/);
  });

  it('identifiers, NPIs and ZIP codes that are not what they should be', () => {
    expect(refused({ 'Referral ID': '' })).toBe('column "Referral ID" (referralKey) is empty: every row needs the EHR\'s referral id');
    expect(refused({ MRN: ' ' })).toBe('column "MRN" (patientId) is empty: every event carries the patient\'s keyed hash');
    expect(refused({ 'Source NPI': '1234567890', 'Referral Source': 'Lakeshore General Hospital' })).toBe('column "Source NPI" (referringOrganization.npi) is not a valid NPI (10 digits, the last a check digit)');
    expect(refused({ 'Patient ZIP': 'N1 4AB' })).toBe('column "Patient ZIP" (serviceZip) is not a US ZIP code');
    expect(refused({ 'Source NPI': '1234567893' })).toBe('column "Referral Source" (referringOrganization.name) is empty while other columns of the referral source are filled: a source needs its name');
  });

  it('a discharge that contradicts the status or the start of care', () => {
    expect(refused({ Status: 'Non-Admit', 'Non-Admit Reason': 'Staffing', 'Discharge Date': '11/20/2026', 'Discharge Reason': 'Moved' })).toBe(
      'column "Discharge Date" (dischargeDate) is filled but the status is non_admitted: only an admitted referral can be discharged',
    );
    expect(refused({ Status: 'Admitted', 'SOC Date': '11/10/2026', 'Discharge Date': '11/9/2026', 'Discharge Reason': 'Moved' })).toBe(
      'column "Discharge Date" (dischargeDate) is before the start of care date',
    );
  });

  it('a row without the columns the profile needs', () => {
    const row = referralRow({ 'Referral ID': 'R-1', 'Referral Date': '11/3/2026' });
    delete row.Status;
    delete row.MRN;
    expect(mapCsvRow(row, 4, generic, ctx)).toEqual({
      ok: false,
      position: 'referral-log.csv:4',
      reason:
        'the header lacks columns the profile needs: "MRN" (patientId), "Status" (status) (profile "generic", a header of 25 columns). ' +
        'No row of this file was read: check skipRows, or fix the profile\'s columns or mark them optional.',
    });
  });
});

describe('event ids: importing the same export again adds nothing, a changed row adds only what changed', () => {
  const accepted = referralRow({ 'Referral ID': 'R-1005', 'Referral Date': '11/19/2026 4:10 PM', Status: 'Accepted', 'Status Date': '11/20/2026 3:45 PM', 'Primary Payer': 'Commercial' });
  const ids = (row: Record<string, string>, profile: CsvProfile = generic, line = 6) => eventsOf(mapCsvRow(row, line, profile, ctx)).map((event) => event.eventId);

  it('the same row gives the same ids and message key, whatever its line', () => {
    expect(mapCsvRow(accepted, 6, generic, ctx)).toEqual(mapCsvRow({ ...accepted }, 240, generic, { ...ctx, fileName: 'next-night.csv' }));
  });

  it('a changed status keeps the received event and adds only the new status event', () => {
    const [received, acceptance] = ids(accepted);
    const [receivedAgain, admission] = ids({ ...accepted, Status: 'Admitted', 'Status Date': '11/24/2026', 'SOC Date': '11/24/2026' });
    expect(receivedAgain).toBe(received);
    expect(admission).not.toBe(acceptance);
    expect(mapCsvRow(accepted, 6, generic, ctx)).not.toEqual(expect.objectContaining({ messageKey: (mapCsvRow({ ...accepted, Status: 'Admitted', 'SOC Date': '11/24/2026' }, 6, generic, ctx) as { messageKey: string }).messageKey }));
  });

  it('a corrected fact re-issues the received event and leaves the status event alone', () => {
    const [received, acceptance] = ids(accepted);
    const [corrected, sameAcceptance] = ids({ ...accepted, 'Primary Payer': 'BCBS' });
    expect(corrected).not.toBe(received);
    expect(sameAcceptance).toBe(acceptance);
  });

  it('columns the profile does not read (patient name, birth date) change nothing', () => {
    expect(ids({ ...accepted, 'Patient Name': 'Testpatient, Renamed', DOB: '1/1/1950' })).toEqual(ids(accepted));
  });

  it('the profile name is part of the id', () => {
    expect(ids(accepted, parseCsvProfile({ ...generic, name: 'generic-copy' }, 'inline'))).not.toEqual(ids(accepted));
  });
});

describe('the patient', () => {
  it('is carried as the keyed hash of the id and its assigner, never the id itself', () => {
    const withAssigner = parseCsvProfile({ ...generic, name: 'assigned', columns: { ...generic.columns, patientIdAssigner: { constant: 'agency-ehr' } } }, 'inline');
    const outcome = mapCsvRow(referralRow({ 'Referral ID': 'R-1', 'Referral Date': '11/3/2026', Status: 'Pending' }), 2, withAssigner, ctx);
    expect(eventsOf(outcome)[0]?.patientHash).toBe(hashPatient({ value: 'MRN-000101', assigner: 'agency-ehr' }));
    expect(eventsOf(outcome)[0]?.patientHash).not.toBe(patientHash);
    expect(JSON.stringify(outcome)).not.toMatch(/MRN-000101|Testpatient|1941/);
  });
});

describe('names, NPIs and ZIP codes', () => {
  const factsOf = (cells: Record<string, string>) =>
    (eventsOf(mapCsvRow(referralRow({ 'Referral ID': 'R-1', 'Referral Date': '11/3/2026', Status: 'Pending', 'Referral Source': 'Lakeshore General Hospital', ...cells }), 2, generic, ctx))[0] as { facts: Record<string, unknown> }).facts;

  it('reads "Last, First" with credentials after the name or after a second comma', () => {
    expect(factsOf({ 'Referring Physician': 'Lindqvist, Erik DO', 'Physician NPI': '2468 135 795' }).referringPractitioner).toEqual({ familyName: 'Lindqvist', givenName: 'Erik', suffix: 'DO', npi: '2468135795' });
    expect(factsOf({ 'Referring Physician': 'Moreno, Lucia Ana, MD' }).referringPractitioner).toEqual({ familyName: 'Moreno', givenName: 'Lucia Ana', suffix: 'MD' });
    expect(factsOf({ 'Referring Physician': 'Moreno' }).referringPractitioner).toEqual({ familyName: 'Moreno' });
  });

  it('puts back the leading zeros a spreadsheet dropped and keeps five digits of a ZIP+4', () => {
    expect(factsOf({ 'Patient ZIP': '2134' }).serviceZip).toBe('02134');
    expect(factsOf({ 'Patient ZIP': '60614-1234' }).serviceZip).toBe('60614');
  });

  it('joins a source name written over two lines', () => {
    expect(factsOf({ 'Referral Source': 'Riverside Rehab\r\nNorth Campus' }).referringOrganization).toEqual({ name: 'Riverside Rehab North Campus' });
  });
});

describe('templates and constants', () => {
  it('build the referral key from two columns, the received time from a date and a time, and the service line from a constant', () => {
    const hospice = loadProfile('hospice-intake-log');
    const row = {
      'Branch Code': 'PRA', 'Referral No': '1001', 'Patient No': 'P-77001', 'Patient Name': 'Exemple, Zoé', 'Referral Date': '2026-11-02', 'Referral Time': '14:20',
      Disposition: 'Admitted', 'Disposition Date': '2026-11-04', 'NTUC Reason': '', 'Payer Class': 'MCR', Payer: 'Medicare Part A', 'Referral Source': 'Clínica San José',
      'Source NPI': '1020304055', 'Source City': 'Peoria', 'Source State': 'IL', 'Source ZIP': '61602', 'Physician Last': 'Núñez', 'Physician First': 'José',
      'Physician NPI': '9080706051', Liaison: 'L-07', 'Election Date': '2026-11-04', 'Admission No': 'A-9001', 'Patient ZIP': '61603',
    };
    const outcome = mapCsvRow(row, 4, hospice, { ...ctx, feed: 'csv:hospice-intake-log', fileName: 'intake.csv' });
    expect(eventsOf(outcome)[0]).toMatchObject({
      referralKey: 'PRA-1001',
      occurredAt: '2026-11-02T14:20:00-06:00',
      patientHash: hashPatient({ value: 'P-77001', assigner: 'intake-log' }),
      facts: { businessLine: 'hospice', payerCategory: 'medicare_ffs', branch: 'PRA' },
    });
    expect(eventsOf(mapCsvRow({ ...row, 'Referral Time': '' }, 4, hospice, { ...ctx, fileName: 'intake.csv' }))[0]?.occurredAt).toBe('2026-11-02T00:00:00-06:00');
  });
});
