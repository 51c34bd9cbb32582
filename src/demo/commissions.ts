import type { PayeeRoster } from '../domain/commissionPlan';

/**
 * The demo agency's commission plan and payee roster (the sandbox's owners): liaisons are paid when a referral they
 * brought is admitted, more for hospice, less for Medicare Advantage and nothing for self-pay, 25% more from their
 * 8th admission of a month; a home health admission hospitalized or transferred within 30 days is clawed back.
 * Hospice pay never depends on length of stay, so hospice is clawed back only when billing finds it not billable.
 * Dana leads intake and decides admissions: her referrals are ineligible, and HubSpot says why.
 */
export const DEMO_OWNERS = { maria: '71000101', james: '71000102', priya: '71000103', dana: '71000104', robert: '71000105' } as const;

export const demoPayeeRoster: PayeeRoster = {
  employees: Object.values(DEMO_OWNERS),
  admissionDeciders: [DEMO_OWNERS.dana],
};

export const demoCommissionPlan = {
  id: 'sunrise-liaisons',
  version: 1,
  name: 'Sunrise liaison plan',
  effectiveFrom: '2025-01-01',
  countingPoint: { kind: 'admitted' },
  clawback: { windowDays: 30, triggers: ['hospitalization', 'transfer'] },
  lines: {
    home_health: { amountCents: 10000 },
    hospice: { amountCents: 15000, clawback: { windowDays: 30, triggers: ['non_billable'] } },
    palliative: { amountCents: 5000 },
  },
  payerWeights: { medicare_advantage: 0.8, self_pay: 0 },
  tiers: [{ fromCount: 8, multiplier: 1.25 }],
  credit: { rule: 'marketer' },
} as const;
