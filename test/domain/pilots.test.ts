import { pilotProgress, pilotSchema, progressLines, type PilotFacts } from '../../src/domain/pilots';

const pilot = pilotSchema.parse({
  name: 'Faster starts',
  companyId: '5001',
  periodStart: '2026-11-01',
  periodEnd: '2026-11-30',
  standards: [
    { metric: 'soc_within_hours', hours: 24, target: 0.9 },
    { metric: 'same_day_soc_before_noon', target: 0.8 },
    { metric: 'conversion', target: 0.75 },
  ],
});

const facts: PilotFacts = {
  admitted: 6,
  nonAdmitted: 1,
  timely: 0,
  notTimely: 0,
  beforeNoon: { met: 3, of: 4 },
  hoursToSoc: [10, 20, 23, 24, 30, 50],
};

describe('a pilot project', () => {
  it('during its period: a standard below target on 5 or more cases is at risk, and so is the pilot', () => {
    const progress = pilotProgress(pilot, facts, '2026-11-20');
    // Within 24 hours: 10, 20, 23 and 24 of 6 admissions = 4/6, below 90% on 6 cases: at risk.
    // Same day before noon: 3 of 4 = 75%, below 80% but on 4 cases only: on track. Conversion 6 of 7 = 86%: on track.
    expect(progress.standards.map((s) => [s.met, s.of, s.status])).toEqual([
      [4, 6, 'at_risk'],
      [3, 4, 'on_track'],
      [6, 7, 'on_track'],
    ]);
    expect(progress.status).toBe('at_risk');
    expect(progressLines(progress)).toEqual([
      '90% of admissions start care within 24 hours: 67% (4 of 6), at risk',
      '80% same-day start of care for referrals received before noon: 75% (3 of 4), on track',
      '75% of referrals admitted: 86% (6 of 7), on track',
    ]);
  });

  it('before its period is not started; after it, each standard is met or missed and the pilot met only if all are', () => {
    expect(pilotProgress(pilot, facts, '2026-10-31').status).toBe('not_started');
    const ended = pilotProgress(pilot, facts, '2026-12-01');
    expect(ended.standards.map((s) => s.status)).toEqual(['missed', 'missed', 'met']);
    expect(ended.status).toBe('missed');
    const better = pilotProgress(pilot, { ...facts, hoursToSoc: [10, 20, 23, 24, 12, 2, 3, 4, 5, 30], beforeNoon: { met: 4, of: 5 } }, '2026-12-01');
    // 9 of 10 within 24 hours (90%), 4 of 5 same day (80%), 6 of 7 admitted: all met.
    expect(better.status).toBe('met');
    // A standard with no case at the end showed nothing: missed.
    expect(pilotProgress(pilot, { ...facts, beforeNoon: { met: 0, of: 0 } }, '2026-12-01').standards[1]).toMatchObject({ value: null, status: 'missed' });
  });

  it('refuses a period that ends before it starts, a bad ZIP, an unknown metric, and no standard', () => {
    const base = { name: 'x', companyId: '5001', periodStart: '2026-11-01', periodEnd: '2026-11-30', standards: [{ metric: 'conversion', target: 0.8 }] };
    expect(pilotSchema.safeParse(base).success).toBe(true);
    expect(pilotSchema.safeParse({ ...base, periodEnd: '2026-10-31' }).success).toBe(false);
    expect(pilotSchema.safeParse({ ...base, serviceZips: ['3030'] }).success).toBe(false);
    expect(pilotSchema.safeParse({ ...base, standards: [{ metric: 'happiness', target: 0.8 }] }).success).toBe(false);
    expect(pilotSchema.safeParse({ ...base, standards: [] }).success).toBe(false);
    expect(pilotSchema.safeParse({ ...base, standards: [{ metric: 'conversion', target: 1.5 }] }).success).toBe(false);
  });
});
