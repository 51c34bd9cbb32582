import fc from 'fast-check';
import type { CanonicalEvent } from '../../src/domain/events';
import { deriveCases, toPublicReferral } from '../../src/domain/referralLifecycle';
import { event, patient } from '../support/events';

const mercy = { name: 'Mercy General Hospital', npi: '1234567893' };

function fullCourse(): CanonicalEvent[] {
  return [
    event({
      kind: 'referral.received',
      referralKey: 'R-100',
      occurredAt: '2026-11-02T14:05:00-05:00',
      facts: { receivedAt: '2026-11-02T14:05:00-05:00', referralDate: '2026-11-02', businessLine: 'home_health', payerCategory: 'medicare_ffs', referringOrganization: mercy },
    }),
    event({ kind: 'referral.accepted', referralKey: 'R-100', occurredAt: '2026-11-02T16:00:00-05:00' }),
    event({ kind: 'soc.scheduled', referralKey: 'R-100', occurredAt: '2026-11-03T09:00:00-05:00', scheduledSocDate: '2026-11-04' }),
    event({
      kind: 'admission.admitted',
      admissionKey: 'E-900',
      referralKey: 'R-100',
      occurredAt: '2026-11-04T12:30:00-05:00',
      socDate: '2026-11-04',
      firstVisitAt: '2026-11-04T10:00:00-05:00',
    }),
    event({ kind: 'admission.discharged', admissionKey: 'E-900', occurredAt: '2026-12-20T10:00:00-05:00', dischargeDate: '2026-12-20', reason: 'goals_met' }),
  ];
}

describe('referral and admission state from events', () => {
  it('follows a referral from receipt to admission and discharge', () => {
    const { referrals, admissions } = deriveCases(fullCourse());
    expect(referrals).toHaveLength(1);
    const referral = referrals[0]!;
    expect(referral.status).toBe('admitted');
    expect(referral.history.map((h) => [h.status, h.at])).toEqual([
      ['received', '2026-11-02T14:05:00-05:00'],
      ['accepted', '2026-11-02T16:00:00-05:00'],
      ['soc_scheduled', '2026-11-03T09:00:00-05:00'],
      ['admitted', '2026-11-04T12:30:00-05:00'],
    ]);
    expect(referral).toMatchObject({ admissionKey: 'E-900', socDate: '2026-11-04', firstVisitAt: '2026-11-04T10:00:00-05:00', scheduledSocDate: '2026-11-04' });
    expect(referral.facts.referringOrganization).toEqual(mercy);
    expect(admissions[0]).toMatchObject({ admissionKey: 'E-900', referralKey: 'R-100', status: 'discharged', dischargeDate: '2026-12-20', dischargeReason: 'goals_met' });
  });

  it('converges to the same state whatever order the messages arrive in', () => {
    const events = fullCourse();
    const expected = deriveCases(events);
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), (shuffled) => {
        expect(deriveCases(shuffled)).toEqual(expected);
      }),
      { numRuns: 120 },
    );
  });

  it('a replayed event changes nothing', () => {
    const events = fullCourse();
    expect(deriveCases([...events, ...events])).toEqual(deriveCases(events));
  });

  it('a cancelled admission (ADT A11) returns the referral to where it stood before', () => {
    const events = fullCourse().slice(0, 4);
    events.push(event({ kind: 'admission.cancelled', admissionKey: 'E-900', occurredAt: '2026-11-04T15:00:00-05:00' }));
    const { referrals, admissions } = deriveCases(events);
    expect(admissions[0]?.status).toBe('cancelled');
    expect(referrals[0]?.status).toBe('soc_scheduled');
    expect(referrals[0]?.admissionKey).toBeUndefined();
  });

  it('a cancelled discharge (ADT A13) reopens the admission', () => {
    const events = fullCourse();
    events.push(event({ kind: 'discharge.cancelled', admissionKey: 'E-900', occurredAt: '2026-12-20T11:00:00-05:00' }));
    const admission = deriveCases(events).admissions[0]!;
    expect(admission.status).toBe('active');
    expect(admission.dischargeDate).toBeUndefined();
    expect(admission.history.map((h) => h.status)).toEqual(['active', 'discharged', 'active']);
  });

  it('a discharge to hospital is a discharge; a transfer and a death have statuses of their own', () => {
    const reasons = ['hospitalized', 'transferred', 'expired'] as const;
    const statuses = reasons.map((reason) => {
      const events = fullCourse().slice(0, 4);
      events.push(event({ kind: 'admission.discharged', admissionKey: 'E-900', occurredAt: '2026-11-10T10:00:00-05:00', dischargeDate: '2026-11-10', reason }));
      return deriveCases(events).admissions[0]?.status;
    });
    expect(statuses).toEqual(['discharged', 'transferred', 'expired']);
  });

  it('a non-admit keeps its reason; a later correction of the facts wins, an older one does not', () => {
    const events: CanonicalEvent[] = [
      event({ kind: 'referral.received', referralKey: 'R-7', occurredAt: '2026-11-02T08:00:00-06:00', facts: { payerCategory: 'commercial', payerName: 'Acme Health' } }),
      event({ kind: 'referral.updated', referralKey: 'R-7', occurredAt: '2026-11-02T09:00:00-06:00', facts: { payerCategory: 'medicare_advantage' } }),
      // Sent later but about an earlier moment: it must not undo the 09:00 correction.
      event({ kind: 'referral.updated', referralKey: 'R-7', occurredAt: '2026-11-02T08:30:00-06:00', facts: { payerCategory: 'medicaid_ffs' } }),
      event({ kind: 'referral.non_admitted', referralKey: 'R-7', occurredAt: '2026-11-02T11:00:00-06:00', reason: 'insurance_not_accepted' }),
    ];
    const referral = deriveCases(events).referrals[0]!;
    expect(referral.status).toBe('non_admitted');
    expect(referral.nonAdmitReason).toBe('insurance_not_accepted');
    expect(referral.facts).toEqual({ payerCategory: 'medicare_advantage', payerName: 'Acme Health' });
  });

  it('links an admission that does not name its referral to the same patient\'s live referral received before SOC', () => {
    const ann = patient('ann');
    const events: CanonicalEvent[] = [
      event({ kind: 'referral.received', referralKey: 'R-old', patientHash: ann, occurredAt: '2026-10-01T10:00:00-04:00', facts: { receivedAt: '2026-10-01T10:00:00-04:00' } }),
      event({ kind: 'referral.cancelled', referralKey: 'R-old', patientHash: ann, occurredAt: '2026-10-02T10:00:00-04:00', cancelledBy: 'source' }),
      event({ kind: 'referral.received', referralKey: 'R-new', patientHash: ann, occurredAt: '2026-11-01T10:00:00-04:00', facts: { receivedAt: '2026-11-01T10:00:00-04:00' } }),
      // Received after the start of care: cannot be where it came from.
      event({ kind: 'referral.received', referralKey: 'R-later', patientHash: ann, occurredAt: '2026-11-20T10:00:00-05:00', facts: { receivedAt: '2026-11-20T10:00:00-05:00' } }),
      event({ kind: 'referral.received', referralKey: 'R-other', patientHash: patient('bob'), occurredAt: '2026-11-01T11:00:00-04:00', facts: { receivedAt: '2026-11-01T11:00:00-04:00' } }),
      event({ kind: 'admission.admitted', admissionKey: 'E-1', patientHash: ann, occurredAt: '2026-11-03T09:00:00-05:00', socDate: '2026-11-03' }),
    ];
    const { referrals, admissions } = deriveCases(events);
    expect(admissions[0]?.referralKey).toBe('R-new');
    expect(Object.fromEntries(referrals.map((r) => [r.referralKey, r.status]))).toEqual({
      'R-later': 'received',
      'R-new': 'admitted',
      'R-old': 'cancelled',
      'R-other': 'received',
    });
  });

  it('a discharge that arrives before its admission is kept and completed when the admission comes', () => {
    const discharge = event({ kind: 'admission.discharged', admissionKey: 'E-5', occurredAt: '2026-11-30T10:00:00-05:00', dischargeDate: '2026-11-30', reason: 'goals_met' });
    const alone = deriveCases([discharge]).admissions[0]!;
    expect(alone.status).toBe('discharged');
    expect(alone.socDate).toBeUndefined();
    const admit = event({ kind: 'admission.admitted', admissionKey: 'E-5', occurredAt: '2026-11-05T10:00:00-05:00', socDate: '2026-11-05' });
    expect(deriveCases([discharge, admit]).admissions[0]).toMatchObject({ status: 'discharged', socDate: '2026-11-05', dischargeDate: '2026-11-30' });
  });

  it('shown outside the server, a referral keeps only the first three digits of the patient ZIP', () => {
    const [referral] = deriveCases([
      event({ kind: 'referral.received', referralKey: 'R-Z', occurredAt: '2026-11-02T08:00:00-06:00', facts: { serviceZip: '75216', branch: 'North' } }),
    ]).referrals;
    const shown = toPublicReferral(referral!);
    expect(shown.facts).toEqual({ serviceZip3: '752', branch: 'North' });
    expect(JSON.stringify(shown)).not.toContain('75216');
  });

  it('a correction sent after the admission wins over the facts the admission carried', () => {
    const events: CanonicalEvent[] = [
      event({ kind: 'referral.received', referralKey: 'R-8', occurredAt: '2026-11-02T08:00:00-06:00', facts: { payerCategory: 'medicare_ffs' } }),
      event({ kind: 'admission.admitted', admissionKey: 'E-8', referralKey: 'R-8', occurredAt: '2026-11-03T10:00:00-06:00', socDate: '2026-11-03', facts: { payerCategory: 'medicare_advantage', branch: 'North' } }),
      event({ kind: 'referral.updated', referralKey: 'R-8', occurredAt: '2026-11-04T09:00:00-06:00', facts: { payerCategory: 'commercial' } }),
    ];
    const referral = deriveCases(events).referrals[0]!;
    expect(referral.status).toBe('admitted');
    expect(referral.facts).toEqual({ payerCategory: 'commercial', branch: 'North' });
  });
});
