import type { CommissionLine, CommissionOutcome } from '../../src/domain/commissions';
import { dollars, toCommissionProperties } from '../../src/sync/commissions';

/** What an Admission record says of its commission, from where its referral stands and the run's lines. */

const line = (payee: string, kind: 'earned' | 'clawback', cents: number, period = '2026-10'): CommissionLine => ({
  id: `${kind}:R1:${payee}:${period}`,
  key: `${kind}:R1:${payee}`,
  kind,
  period,
  payeeOwnerId: payee,
  amountCents: cents,
  referralKey: 'R1',
  admissionKey: 'A1',
  planId: 'liaisons',
  planVersion: 2,
  date: '2026-10-05',
  explanation: '…',
});

const outcome = (fields: Partial<CommissionOutcome>): CommissionOutcome => ({
  referralKey: 'R1',
  admissionKey: 'A1',
  status: 'earned',
  reason: 'counted 2026-10-05 (admission of 2026-10-05) under plan liaisons v2',
  planId: 'liaisons',
  planVersion: 2,
  countingDate: '2026-10-05',
  period: '2026-10',
  payeeOwnerIds: ['71000101'],
  amountCents: 10000,
  ...fields,
});

describe('commission properties of an Admission record', () => {
  it('a split credit: the amount is the whole admission, the payee the largest share, every share listed', () => {
    // $125.00 split 40/60: 50.00 and 75.00.
    const properties = toCommissionProperties(outcome({ payeeOwnerIds: ['71000101', '71000102'], amountCents: 12500 }), [
      line('71000101', 'earned', 5000),
      line('71000102', 'earned', 7500),
    ]);
    expect(properties).toEqual({
      rlx_commission_status: 'earned',
      rlx_commission_reason: 'counted 2026-10-05 (admission of 2026-10-05) under plan liaisons v2',
      rlx_commission_amount: '125.00',
      rlx_commission_payee: '71000102',
      rlx_commission_split: '71000101 $50.00; 71000102 $75.00',
      rlx_commission_period: '2026-10',
      rlx_commission_plan_id: 'liaisons',
      rlx_commission_plan_version: '2',
    });
  });

  it("an even split names the plan's first payee", () => {
    const properties = toCommissionProperties(outcome({ payeeOwnerIds: ['71000103', '71000101'], amountCents: 10001 }), [
      line('71000101', 'earned', 5001),
      line('71000103', 'earned', 5001),
    ]);
    expect(properties.rlx_commission_payee).toBe('71000103');
  });

  it('clawed back: 0.00 and still the payee; not counted: no amount, payee or split', () => {
    const clawed = toCommissionProperties(outcome({ status: 'clawed_back', amountCents: 0 }), [line('71000101', 'earned', 10000), line('71000101', 'clawback', -10000, '2026-11')]);
    expect(clawed).toMatchObject({ rlx_commission_status: 'clawed_back', rlx_commission_amount: '0.00', rlx_commission_payee: '71000101', rlx_commission_split: '' });
    const waiting = toCommissionProperties(outcome({ status: 'not_yet_eligible', reason: 'not admitted yet', payeeOwnerIds: [], amountCents: 0, period: undefined, countingDate: undefined }), []);
    expect(waiting).toMatchObject({ rlx_commission_status: 'not_yet_eligible', rlx_commission_amount: '', rlx_commission_payee: '', rlx_commission_period: '' });
  });

  it('dollars with two decimals, negative too', () => {
    expect([dollars(0), dollars(5), dollars(12345), dollars(-12050)]).toEqual(['0.00', '0.05', '123.45', '-120.50']);
  });
});
