import { hubspot } from '@hubspot/ui-extensions';
import { createApi } from '@referralynx/hubspot-shared';
import { CompanyScorecardView } from './CompanyScorecardView';

// The company record's Referralynx tab (company-scorecard-hsmeta.json).
hubspot.extend<'crm.record.tab'>(({ context, actions }) => (
  <CompanyScorecardView companyId={String(context.crm.objectId)} api={createApi()} copy={actions.copyTextToClipboard} />
));
