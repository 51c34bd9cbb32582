import type * as Card from '@referralynx/hubspot-shared';
import type { MonthCounts, NonAdmitLine, PilotLine, ReferralLine, StatusMoment } from '../../src/domain/cards';
import type { FollowUpSettings } from '../../src/domain/followUps';
import type { NonAdmitReasonEntry, NonAdmitReasonTerms } from '../../src/domain/nonAdmitReasons';
import type { Scorecard, WindowScore } from '../../src/domain/scorecard';

/**
 * The cards' copy of the API's shapes (hubspot-app/shared/types.ts: HubSpot builds the cards without the server's
 * sources) must accept what the server's domain produces. These assignments fail `npm run typecheck` when the two
 * drift apart; the test itself only says that they were checked.
 */
type Accepts<Wide, Narrow extends Wide> = Narrow;

type Checked = [
  Accepts<Card.WindowScore, WindowScore>,
  Accepts<Omit<Card.Scorecard, 'computedAt' | 'windows'>, Omit<Scorecard, 'windows'>>,
  Accepts<Card.NonAdmitLine, NonAdmitLine>,
  Accepts<Card.MonthCounts, MonthCounts>,
  Accepts<Card.ReferralLine, ReferralLine>,
  Accepts<Card.StatusMoment, StatusMoment>,
  Accepts<Card.PilotLine, PilotLine>,
  Accepts<Card.FollowUpSettings, FollowUpSettings>,
  Accepts<Omit<Card.NonAdmitReason, 'reworded'>, NonAdmitReasonTerms>,
  Accepts<Card.NonAdmitReasonEntry, NonAdmitReasonEntry>,
];

test("the cards' API types accept the server's domain shapes (checked by the type checker)", () => {
  const checked: Checked['length'] = 10;
  expect(checked).toBe(10);
});
