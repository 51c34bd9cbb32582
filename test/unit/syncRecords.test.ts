import { deriveCases } from '../../src/domain/referralLifecycle';
import { defaultNonAdmitVocabulary } from '../../src/domain/nonAdmitReasons';
import type { DataModel } from '../../src/hubspot/provision';
import { hoursToStartOfCare } from '../../src/domain/referralLifecycle';
import { admissionSource, propertiesHash, toReferralProperties } from '../../src/sync/records';
import { event } from '../support/events';

const model: DataModel = {
  referralObjectTypeId: '2-101',
  admissionObjectTypeId: '2-102',
  referralPipelineId: '5001',
  referralStageIds: { received: '5002', accepted: '5004', admitted: '5006', non_admitted: '5007', cancelled: '5008' },
  associationTypeIds: {},
};

function referral(extra: Parameters<typeof event>[0][] = []) {
  return deriveCases([
    event({
      kind: 'referral.received',
      referralKey: 'R-1',
      occurredAt: '2026-11-27T23:30:00-06:00',
      facts: {
        receivedAt: '2026-11-27T23:30:00-06:00',
        businessLine: 'hospice',
        referringOrganization: { name: 'Mercy General' },
        serviceZip: '75216',
        inpatientDischargeDate: '2026-11-20',
      },
    }),
    ...extra.map(event),
  ]).referrals[0]!;
}

describe('what HubSpot gets for a referral', () => {
  it('is named by date (in the agency zone), source and business line, with no patient data', () => {
    const properties = toReferralProperties(referral(), model, 'America/Chicago', defaultNonAdmitVocabulary);
    // 23:30 in Chicago is 05:30 UTC the next day: the agency's date is the 27th.
    expect(properties.rlx_referral_name).toBe('Referral 2026-11-27 · Mercy General · Hospice');
    expect(properties).toMatchObject({ rlx_status: 'received', hs_pipeline: '5001', hs_pipeline_stage: '5002', rlx_received_at: '2026-11-28T05:30:00.000Z' });
    expect(JSON.stringify(properties)).not.toContain('75216');
    // Unknown values are sent empty, so a value withdrawn in the EHR is cleared in HubSpot.
    expect(properties.rlx_soc_date).toBe('');
    // No start of care yet: nothing to measure.
    expect(properties.rlx_timely_initiation).toBe('');
  });

  it('counts hours to SOC from receipt to first visit, and calls a start within 14 days of discharge institutional', () => {
    const admitted = referral([
      { kind: 'admission.admitted', admissionKey: 'E-1', referralKey: 'R-1', occurredAt: '2026-11-29T10:00:00-06:00', socDate: '2026-11-29', firstVisitAt: '2026-11-29T09:15:00-06:00' },
    ]);
    // 23:30 on the 27th to 09:15 on the 29th: 33 h 45 min.
    expect(hoursToStartOfCare(admitted)).toBe(33.8);
    // Discharged the 20th, SOC the 29th: 9 days.
    expect(admissionSource(admitted)).toBe('institutional');
    expect(admissionSource({ ...admitted, facts: { ...admitted.facts, inpatientDischargeDate: '2026-11-14' } })).toBe('community');
    expect(admissionSource({ ...admitted, facts: { ...admitted.facts, inpatientDischargeDate: '2026-11-15' } })).toBe('institutional');
  });

  it('carries CMS timely initiation for a home health start of care, counted in the agency\'s dates', () => {
    const admit = { kind: 'admission.admitted', admissionKey: 'E-1', referralKey: 'R-1', occurredAt: '2026-11-29T10:00:00-06:00', socDate: '2026-11-29' } as const;
    // Hospice: the measure is a home health one.
    expect(toReferralProperties(referral([admit]), model, 'America/Chicago', defaultNonAdmitVocabulary).rlx_timely_initiation).toBe('');
    const homeHealth = [{ kind: 'referral.updated', referralKey: 'R-1', occurredAt: '2026-11-28T08:00:00-06:00', facts: { businessLine: 'home_health' } } as const];
    // No M0104 given: received the 27th in Chicago, started the 29th = 27th + 2 days.
    expect(toReferralProperties(referral([...homeHealth, admit]), model, 'America/Chicago', defaultNonAdmitVocabulary).rlx_timely_initiation).toBe('timely');
    // Started the 30th: late, as the discharge of the 20th came before the referral and does not restart the count.
    // Had the 05:30Z receipt been read as a UTC date (the 28th), the 30th would have been on time.
    const late = { ...admit, socDate: '2026-11-30' };
    expect(toReferralProperties(referral([...homeHealth, late]), model, 'America/Chicago', defaultNonAdmitVocabulary).rlx_timely_initiation).toBe('not_timely');
  });

  it('hashes the same properties the same whatever their order', () => {
    expect(propertiesHash({ a: '1', b: '2' })).toBe(propertiesHash({ b: '2', a: '1' }));
    expect(propertiesHash({ a: '1', b: '2' })).not.toBe(propertiesHash({ a: '1', b: '3' }));
  });
});
