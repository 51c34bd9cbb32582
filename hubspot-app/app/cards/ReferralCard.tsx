import { hubspot } from '@hubspot/ui-extensions';
import { createApi } from '@referralynx/hubspot-shared';
import { ReferralCardView } from './ReferralCardView';

// The Referral record's card (referral-hsmeta.json).
hubspot.extend<'crm.record.tab'>(({ context, actions }) => (
  <ReferralCardView referralId={String(context.crm.objectId)} portalId={context.portal.id} api={createApi()} copy={actions.copyTextToClipboard} />
));
