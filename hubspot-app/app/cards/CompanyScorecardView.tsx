import { useState } from 'react';
import {
  Alert,
  BarChart,
  Button,
  ButtonRow,
  DescriptionList,
  DescriptionListItem,
  Divider,
  Flex,
  Heading,
  ProgressBar,
  Select,
  Statistics,
  StatisticsItem,
  StatisticsTrend,
  StatusTag,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Text,
  TextArea,
} from '@hubspot/ui-extensions';
import {
  CopyButton,
  Empty,
  LoadError,
  Loading,
  NONE,
  hours,
  localDate,
  monthLabel,
  percent,
  plural,
  toApiError,
  useLoad,
  type Api,
  type CompanyCard,
  type CopyText,
  type PartnerUpdate,
  type PilotLine,
  type WindowDays,
} from '@referralynx/hubspot-shared';
import { PilotForm } from './PilotForm';
import { PILOT_STATUS_VARIANT, TIER_WORDS, WINDOW_OPTIONS, monthlyRows, progressVariant, referralTrend, socTarget, windowTrends, type Trend } from './scorecardFigures';

interface Props {
  companyId: string;
  api: Api;
  /** HubSpot's clipboard action. */
  copy: CopyText;
}

/**
 * The Referralynx tab of a referral-source company (issue #7, part 1): how the relationship is doing and what to do
 * next, from GET /cards/company/:companyId. A company that has sent no referral is answered 404 by the server: the
 * card says so plainly rather than showing an error.
 */
export function CompanyScorecardView({ companyId, api, copy }: Props) {
  const { state, reload, update } = useLoad(() => api.companyCard(companyId));
  if (state.status === 'loading') return <Loading label="Loading the referral scorecard" />;
  if (state.status === 'error') {
    if (state.error.status === 404) return <Empty title="No referrals from this source yet">{"Referralynx shows this company's scorecard once it has sent a referral."}</Empty>;
    return <LoadError title="The referral scorecard could not be loaded" error={state.error} onRetry={reload} />;
  }
  return <Scorecard card={state.data} companyId={companyId} api={api} copy={copy} onChange={update} />;
}

function TrendArrow({ trend }: { trend: Trend | undefined }) {
  return trend ? <StatisticsTrend direction={trend.direction} color={trend.color} value={trend.value} /> : null;
}

function Scorecard({
  card,
  companyId,
  api,
  copy,
  onChange,
}: {
  card: CompanyCard;
  companyId: string;
  api: Api;
  copy: CopyText;
  onChange: (change: (card: CompanyCard) => CompanyCard) => void;
}) {
  const [days, setDays] = useState<WindowDays>('90');
  const { scorecard } = card;
  const w = scorecard?.windows[days];
  const trends = scorecard ? windowTrends(scorecard, days) : undefined;
  const target = socTarget(card.pilots.items);
  const reasons = card.nonAdmitReasons[days] ?? [];
  return (
    <Flex direction="column" gap="md">
      <Flex direction="row" justify="between" align="center">
        <Heading>Referral scorecard</Heading>
        <Select label="Window" name="window" options={WINDOW_OPTIONS} value={days} onChange={(value) => setDays(String(value) as WindowDays)} />
      </Flex>
      {scorecard && w && trends ? (
        <Statistics>
          <StatisticsItem label="Referrals" number={w.referrals}>
            <TrendArrow trend={referralTrend(scorecard)} />
          </StatisticsItem>
          <StatisticsItem label="Admissions" number={w.admitted}>
            <TrendArrow trend={trends.admissions} />
          </StatisticsItem>
          <StatisticsItem label="Conversion" number={percent(w.conversion)}>
            <TrendArrow trend={trends.conversion} />
          </StatisticsItem>
          <StatisticsItem label="Median hours to SOC" number={hours(w.medianHoursToSoc)}>
            <TrendArrow trend={trends.medianHoursToSoc} />
          </StatisticsItem>
          <StatisticsItem label="Timely initiation" number={percent(w.timelyRate)}>
            <TrendArrow trend={trends.timelyRate} />
          </StatisticsItem>
        </Statistics>
      ) : (
        <Alert title="No scorecard yet" variant="info">
          {"The scorecard is computed every hour; this source's referrals are listed below until then."}
        </Alert>
      )}
      {w ? (
        <Text variant="microcopy">
          {plural(w.pending, 'referral')} pending and {w.cancelled} cancelled by the source, counted apart from conversion.
        </Text>
      ) : null}

      <Heading>Referrals and admissions, last 12 months</Heading>
      <BarChart
        data={monthlyRows(card.monthly, monthLabel)}
        axes={{ x: { field: 'month', fieldType: 'category', label: 'Month' }, y: { field: 'count', fieldType: 'linear', label: 'Count' }, options: { groupFieldByColor: 'series' } }}
        options={{ showLegend: true, showTooltips: true }}
      />

      <Heading>Hours to start of care</Heading>
      {w && w.medianHoursToSoc !== null ? (
        <Flex direction="row" gap="sm" align="center">
          <Text>
            Median {hours(w.medianHoursToSoc)}, 90th percentile {hours(w.p90HoursToSoc)}; target {hours(target.hours)} ({target.source}).
          </Text>
          <StatusTag variant={w.medianHoursToSoc <= target.hours ? 'success' : 'danger'}>{w.medianHoursToSoc <= target.hours ? 'Within target' : 'Over target'}</StatusTag>
        </Flex>
      ) : (
        <Text>No start of care in this window.</Text>
      )}

      <Heading>Non-admit reasons</Heading>
      {reasons.length === 0 ? (
        <Text>No referral was non-admitted in this window.</Text>
      ) : (
        <Table bordered>
          <TableHead>
            <TableRow>
              <TableHeader>Reason</TableHeader>
              <TableHeader align="right">Referrals</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {reasons.map((line) => (
              <TableRow key={line.reason}>
                <TableCell>{line.label}</TableCell>
                <TableCell align="right">{line.count}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}

      <Account card={card} companyId={companyId} api={api} onChange={onChange} />
      <RecentReferrals card={card} />
      <OpenFollowUps card={card} />
      <Pilots card={card} companyId={companyId} api={api} onChange={onChange} />
      <PartnerUpdateAction companyId={companyId} api={api} copy={copy} />
    </Flex>
  );
}

function Account({ card, companyId, api, onChange }: { card: CompanyCard; companyId: string; api: Api; onChange: (change: (card: CompanyCard) => CompanyCard) => void }) {
  const [note, setNote] = useState('');
  const [saving, setSaving] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; message: string }>();
  const logCheckIn = async () => {
    setSaving(true);
    try {
      const logged = await api.logCheckIn(companyId, note.trim() || undefined);
      onChange((c) => ({ ...c, checkIn: { ...c.checkIn, lastCheckInAt: logged.checkedInAt, nextDue: logged.nextCheckInDue } }));
      setNote('');
      setResult({ ok: true, message: logged.nextCheckInDue ? `Next check-in due ${logged.nextCheckInDue}.` : 'No further check-in is scheduled for this account.' });
    } catch (error) {
      setResult({ ok: false, message: toApiError(error).message });
    } finally {
      setSaving(false);
    }
  };
  const tier = card.scorecard?.tier;
  return (
    <>
      <Divider />
      <Heading>Account</Heading>
      <DescriptionList direction="row">
        <DescriptionListItem label="Tier">
          <Text>{tier ? (TIER_WORDS[tier] ?? tier) : NONE}</Text>
        </DescriptionListItem>
        <DescriptionListItem label="Next check-in">
          <Text>{card.checkIn.enabled ? (card.checkIn.nextDue ?? NONE) : 'Check-ins are off'}</Text>
        </DescriptionListItem>
        <DescriptionListItem label="Last check-in">
          <Text>{localDate(card.checkIn.lastCheckInAt, card.timeZone)}</Text>
        </DescriptionListItem>
        <DescriptionListItem label="Last referral">
          <Text>{card.scorecard?.lastReferralDate ?? NONE}</Text>
        </DescriptionListItem>
      </DescriptionList>
      {result ? (
        <Alert title={result.ok ? 'Check-in logged' : 'The check-in was not logged'} variant={result.ok ? 'success' : 'error'}>
          {result.message}
        </Alert>
      ) : null}
      <TextArea label="Check-in note" name="checkInNote" description="Optional, at most 500 characters. No patient details." maxLength={500} value={note} onChange={setNote} />
      <ButtonRow>
        <Button variant="primary" disabled={saving} onClick={() => void logCheckIn()}>
          Log a check-in
        </Button>
      </ButtonRow>
    </>
  );
}

function RecentReferrals({ card }: { card: CompanyCard }) {
  const { items, truncated } = card.recentReferrals;
  return (
    <>
      <Heading>Recent referrals</Heading>
      {items.length === 0 ? (
        <Text>No referral yet.</Text>
      ) : (
        <Table bordered>
          <TableHead>
            <TableRow>
              <TableHeader>Referral</TableHeader>
              <TableHeader>Status</TableHeader>
              <TableHeader align="right">Hours to SOC</TableHeader>
              <TableHeader>Timely initiation</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {items.map((referral, i) => (
              <TableRow key={referral.hubspotId ?? `${referral.name}-${i}`}>
                <TableCell>{referral.name}</TableCell>
                <TableCell>{referral.nonAdmitReasonLabel ? `${referral.statusLabel}: ${referral.nonAdmitReasonLabel}` : referral.statusLabel}</TableCell>
                <TableCell align="right">{hours(referral.hoursToSoc)}</TableCell>
                <TableCell>{referral.timelyInitiationLabel ?? NONE}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {truncated ? <Text variant="microcopy">The latest {items.length} are shown; the Referrals tab lists them all.</Text> : null}
    </>
  );
}

function OpenFollowUps({ card }: { card: CompanyCard }) {
  const { items, truncated } = card.openTasks;
  return (
    <>
      <Heading>Open follow-ups</Heading>
      {items.length === 0 ? (
        <Text>No open follow-up task.</Text>
      ) : (
        <Table bordered>
          <TableHead>
            <TableRow>
              <TableHeader>Follow-up</TableHeader>
              <TableHeader>Task</TableHeader>
              <TableHeader>Due</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {items.map((task, i) => (
              <TableRow key={task.hubspotTaskId ?? `${task.rule}-${i}`}>
                <TableCell>
                  <StatusTag variant={task.priority === 'HIGH' ? 'danger' : 'default'}>{task.ruleLabel}</StatusTag>
                </TableCell>
                <TableCell>{task.subject}</TableCell>
                <TableCell>{localDate(task.dueAt, card.timeZone)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {truncated ? <Text variant="microcopy">The first {items.length} are shown; the Tasks tab lists them all.</Text> : null}
    </>
  );
}

function Pilots({ card, companyId, api, onChange }: { card: CompanyCard; companyId: string; api: Api; onChange: (change: (card: CompanyCard) => CompanyCard) => void }) {
  const [form, setForm] = useState<{ editing?: PilotLine } | undefined>();
  const [saved, setSaved] = useState<string>();
  const { items, truncated } = card.pilots;
  const onSaved = (pilot: PilotLine) => {
    onChange((c) => {
      const others = c.pilots.items.filter((p) => p.pilotId !== pilot.pilotId);
      return { ...c, pilots: { ...c.pilots, items: [pilot, ...others] } };
    });
    setSaved(form?.editing ? `Pilot "${pilot.name}" saved.` : `Pilot "${pilot.name}" started.`);
    setForm(undefined);
  };
  return (
    <>
      <Divider />
      <Heading>Pilots</Heading>
      {saved ? <Alert title="Pilot saved" variant="success">{saved}</Alert> : null}
      {items.length === 0 && !form ? <Text>No pilot with this source.</Text> : null}
      {items.map((pilot) => (
        <Flex key={pilot.pilotId} direction="column" gap="xs">
          <Flex direction="row" gap="sm" align="center">
            <Text format={{ fontWeight: 'bold' }}>{pilot.name}</Text>
            <StatusTag variant={PILOT_STATUS_VARIANT[pilot.status]}>{pilot.statusLabel}</StatusTag>
          </Flex>
          <Text variant="microcopy">
            {pilot.periodStart} to {pilot.periodEnd}
            {pilot.businessLineLabel ? ` · ${pilot.businessLineLabel}` : ''}
            {pilot.serviceZips.length > 0 ? ` · ${plural(pilot.serviceZips.length, 'service ZIP')}` : ''}
          </Text>
          {pilot.standards.map((standard) => (
            <ProgressBar
              key={`${standard.metric}-${standard.hours ?? ''}`}
              title={`${standard.text}: ${standard.statusLabel}`}
              value={standard.value === null ? 0 : Math.round(standard.value * 100)}
              maxValue={100}
              showPercentage
              valueDescription={standard.of === 0 ? 'no case yet' : `${standard.met} of ${standard.of} (goal ${percent(standard.target)})`}
              {...(progressVariant(standard.status) ? { variant: progressVariant(standard.status) } : {})}
            />
          ))}
          {!form ? (
            <ButtonRow>
              <Button size="xs" variant="secondary" onClick={() => setForm({ editing: pilot })}>
                Change
              </Button>
            </ButtonRow>
          ) : null}
        </Flex>
      ))}
      {truncated ? <Text variant="microcopy">Older pilots are not shown.</Text> : null}
      {form ? (
        <PilotForm companyId={companyId} api={api} editing={form.editing} onSaved={onSaved} onCancel={() => setForm(undefined)} />
      ) : (
        <ButtonRow>
          <Button
            variant="secondary"
            onClick={() => {
              setSaved(undefined);
              setForm({});
            }}
          >
            Start a pilot
          </Button>
        </ButtonRow>
      )}
    </>
  );
}

/**
 * The partner update for the period under way, to paste into an email or a message to the source: prepared by the
 * server, shown, and copied with HubSpot's clipboard action.
 */
function PartnerUpdateAction({ companyId, api, copy }: { companyId: string; api: Api; copy: CopyText }) {
  const [update, setUpdate] = useState<{ status: 'idle' | 'loading' } | { status: 'ready'; update: PartnerUpdate } | { status: 'failed'; message: string }>({ status: 'idle' });
  const prepare = async () => {
    setUpdate({ status: 'loading' });
    try {
      setUpdate({ status: 'ready', update: await api.partnerUpdate(companyId) });
    } catch (error) {
      setUpdate({ status: 'failed', message: toApiError(error).message });
    }
  };
  return (
    <>
      <Divider />
      <Heading>Partner update</Heading>
      {update.status === 'ready' ? (
        <TextArea
          label={`${update.update.title} so far (as of ${update.update.asOf})`}
          name="partnerUpdate"
          readOnly
          rows={5}
          value={update.update.text}
        />
      ) : null}
      {update.status === 'failed' ? (
        <Alert title="The partner update could not be prepared" variant="error">
          {update.message}
        </Alert>
      ) : null}
      <ButtonRow>
        {update.status === 'ready' ? <CopyButton text={update.update.text} label="Copy the partner update" copy={copy} /> : null}
        <Button variant="secondary" disabled={update.status === 'loading'} onClick={() => void prepare()}>
          {update.status === 'ready' ? 'Prepare it again' : 'Prepare the partner update'}
        </Button>
      </ButtonRow>
    </>
  );
}
