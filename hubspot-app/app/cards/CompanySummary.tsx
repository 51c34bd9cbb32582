import { hubspot } from '@hubspot/ui-extensions';
import { createApi } from '@referralynx/hubspot-shared';
import { CompanySummaryView } from './CompanySummaryView';

// The company record's sidebar summary (company-summary-hsmeta.json).
hubspot.extend<'crm.record.sidebar'>(({ context }) => <CompanySummaryView companyId={String(context.crm.objectId)} api={createApi()} />);
