import { Flex, Statistics, StatisticsItem, StatusTag, Text } from '@hubspot/ui-extensions';
import { Empty, LoadError, Loading, hours, percent, useLoad, type Api } from '@referralynx/hubspot-shared';
import { TIER_WORDS } from './scorecardFigures';

/**
 * The sidebar summary of a referral-source company: the three numbers a liaison glances at before a call (referrals,
 * conversion and median hours to start of care over the last 90 days), the tier and the next check-in.
 */
export function CompanySummaryView({ companyId, api }: { companyId: string; api: Api }) {
  const { state, reload } = useLoad(() => api.companyCard(companyId));
  if (state.status === 'loading') return <Loading label="Loading the referral summary" />;
  if (state.status === 'error') {
    if (state.error.status === 404) return <Empty title="No referrals yet">This company has not sent a referral.</Empty>;
    return <LoadError title="The referral summary could not be loaded" error={state.error} onRetry={reload} />;
  }
  const { scorecard, checkIn } = state.data;
  if (!scorecard) return <Empty title="No scorecard yet">The scorecard is computed every hour.</Empty>;
  const w = scorecard.windows['90'];
  return (
    <Flex direction="column" gap="sm">
      <Statistics>
        <StatisticsItem label="Referrals, 90 days" number={w.referrals} />
        <StatisticsItem label="Conversion, 90 days" number={percent(w.conversion)} />
        <StatisticsItem label="Median hours to SOC" number={hours(w.medianHoursToSoc)} />
      </Statistics>
      <Flex direction="row" gap="sm" align="center">
        <StatusTag variant={scorecard.tier === 'D' ? 'warning' : 'info'}>Tier {TIER_WORDS[scorecard.tier] ?? scorecard.tier}</StatusTag>
        {checkIn.enabled && checkIn.nextDue ? <Text variant="microcopy">Next check-in {checkIn.nextDue}</Text> : null}
      </Flex>
    </Flex>
  );
}
