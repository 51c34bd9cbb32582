import { Alert, DescriptionList, DescriptionListItem, Divider, Flex, Heading, Link, StatusTag, StepIndicator, Text, TextArea } from '@hubspot/ui-extensions';
import { CopyButton, Empty, LoadError, Loading, NONE, hours, localDate, useLoad, type Api, type CopyText, type ReferralCard } from '@referralynx/hubspot-shared';
import { keyMoments, recordUrl, referralSteps } from './referralSteps';

interface Props {
  referralId: string;
  portalId: number;
  api: Api;
  /** HubSpot's clipboard action. */
  copy: CopyText;
}

const TIMELY_VARIANT: Record<string, 'success' | 'danger' | 'default'> = { timely: 'success', not_timely: 'danger', missing: 'default' };

/**
 * The Referral record's card (issue #7, part 2): where the referral stands and what to tell its source, from
 * GET /cards/referral/:referralId. A Referral record the server has not linked to an EHR referral (one typed in by
 * intake, before the EHR sent it) is answered 404: the card says so.
 */
export function ReferralCardView({ referralId, portalId, api, copy }: Props) {
  const { state, reload } = useLoad(() => api.referralCard(referralId));
  if (state.status === 'loading') return <Loading label="Loading the referral" />;
  if (state.status === 'error') {
    if (state.error.status === 404) return <Empty title="Not from the EHR yet">Referralynx shows this referral once the EHR has sent it.</Empty>;
    return <LoadError title="The referral could not be loaded" error={state.error} onRetry={reload} />;
  }
  return <Referral card={state.data} portalId={portalId} copy={copy} />;
}

function Referral({ card, portalId, copy }: { card: ReferralCard; portalId: number; copy: CopyText }) {
  const steps = referralSteps(card);
  const moments = keyMoments(card);
  return (
    <Flex direction="column" gap="md">
      <Heading>{card.name}</Heading>
      <StepIndicator stepNames={steps.stepNames} currentStep={steps.currentStep} />
      <DescriptionList direction="row">
        <DescriptionListItem label="Received">
          <Text>{moments.receivedAt ?? NONE}</Text>
        </DescriptionListItem>
        <DescriptionListItem label="Care started">
          <Text>{moments.startedCareAt ?? NONE}</Text>
        </DescriptionListItem>
        <DescriptionListItem label="Hours to start of care">
          <Text>{hours(card.hoursToSoc)}</Text>
        </DescriptionListItem>
        <DescriptionListItem label="Timely initiation">
          {card.timelyInitiation ? <StatusTag variant={TIMELY_VARIANT[card.timelyInitiation] ?? 'default'}>{card.timelyInitiationLabel ?? card.timelyInitiation}</StatusTag> : <Text>{NONE}</Text>}
        </DescriptionListItem>
      </DescriptionList>
      {card.nonAdmit ? (
        <Alert title={`${card.nonAdmit.outcome.charAt(0).toUpperCase()}${card.nonAdmit.outcome.slice(1)}: ${card.nonAdmit.label}`} variant="warning">
          {card.nonAdmit.offer}
        </Alert>
      ) : null}
      <Flex direction="row" gap="md">
        {card.companyId ? <Link href={{ url: recordUrl(portalId, '0-2', card.companyId), external: false }}>Referral source</Link> : <Text>No referral source matched yet</Text>}
        {card.contactId ? <Link href={{ url: recordUrl(portalId, '0-1', card.contactId), external: false }}>Referring clinician</Link> : <Text>No referring clinician</Text>}
      </Flex>
      {card.statusHistory.truncated ? <Text variant="microcopy">The latest changes of a long history are shown.</Text> : null}
      <Divider />
      <Heading>Close the loop</Heading>
      {card.closeTheLoop ? (
        <>
          <TextArea label={card.closeTheLoop.ruleLabel} name="closeTheLoop" readOnly rows={4} value={card.closeTheLoop.message} />
          <Flex direction="row" gap="sm" align="center">
            <CopyButton text={card.closeTheLoop.message} label="Copy the message" copy={copy} />
          </Flex>
          <Text variant="microcopy">
            {card.closeTheLoop.task
              ? `From the follow-up task due ${localDate(card.closeTheLoop.task.dueAt, card.timeZone)} (${card.closeTheLoop.task.status}).`
              : 'No follow-up task carried this message; it is written from the referral as it stands.'}
          </Text>
        </>
      ) : (
        <Text>Nothing to tell the source yet: the referral has not been admitted or turned down.</Text>
      )}
    </Flex>
  );
}
