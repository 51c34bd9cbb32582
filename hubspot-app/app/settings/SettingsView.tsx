import { useState } from 'react';
import {
  Alert,
  Box,
  Button,
  ButtonRow,
  Divider,
  Flex,
  Heading,
  Input,
  NumberInput,
  Select,
  StatusTag,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Text,
  TextArea,
  Toggle,
} from '@hubspot/ui-extensions';
import {
  LoadError,
  Loading,
  NONE,
  localDateTime,
  plural,
  toApiError,
  useLoad,
  waited,
  type Api,
  type FollowUpSettings,
  type NonAdmitReason,
  type NonAdmitReasonEntry,
  type SettingsPage,
  type UnmatchedSource,
} from '@referralynx/hubspot-shared';
import { RULE_SETTINGS, withRule, type RuleKey } from './followUpRules';

type Change = (change: (page: SettingsPage) => SettingsPage) => void;

/**
 * The app's settings page (issue #7, part 3): how the feeds and the sync are doing, with a retry for refused records;
 * the follow-up rules, the time zone and the holiday calendar, saved through the tenant settings schema; the non-admit
 * reasons; and the referral sources no HubSpot record matches, to map by hand. From GET /cards/settings.
 */
export function SettingsView({ api }: { api: Api }) {
  const { state, reload, update } = useLoad(() => api.settings());
  if (state.status === 'loading') return <Loading label="Loading Referralynx settings" />;
  if (state.status === 'error') return <LoadError title="Referralynx settings could not be loaded" error={state.error} onRetry={reload} />;
  const page = state.data;
  return (
    <Flex direction="column" gap="md">
      <Feeds page={page} />
      <Divider />
      <Sync page={page} api={api} onRetried={reload} />
      <Divider />
      <FollowUpRules page={page} api={api} onSaved={update} />
      <Divider />
      <NonAdmitReasons page={page} api={api} onSaved={update} />
      <Divider />
      <UnmatchedSources page={page} api={api} onMapped={update} />
    </Flex>
  );
}

function Feeds({ page }: { page: SettingsPage }) {
  const { items, truncated } = page.feedStatus;
  return (
    <>
      <Heading>EHR feeds</Heading>
      {items.length === 0 ? (
        <Text>No EHR message has arrived yet. Point a feed at the server (see the README) and it shows here.</Text>
      ) : (
        <>
          <Text>
            {plural(page.feeds.messages, 'message')} taken: {plural(page.feeds.referrals, 'referral')}, {plural(page.feeds.admissions, 'admission')}; {page.feeds.quarantined} in
            quarantine.
          </Text>
          <Table bordered>
            <TableHead>
              <TableRow>
                <TableHeader>Feed</TableHeader>
                <TableHeader align="right">Messages</TableHeader>
                <TableHeader>Last message</TableHeader>
                <TableHeader>Quarantine</TableHeader>
              </TableRow>
            </TableHead>
            <TableBody>
              {items.map((feed) => (
                <TableRow key={`${feed.format}/${feed.feed}`}>
                  <TableCell>
                    {feed.feed} ({feed.format})
                  </TableCell>
                  <TableCell align="right">{feed.messages}</TableCell>
                  <TableCell>{localDateTime(feed.lastMessageAt, page.timeZone)}</TableCell>
                  <TableCell>
                    <StatusTag variant={feed.quarantined > 0 ? 'warning' : 'success'}>{feed.quarantined > 0 ? `${feed.quarantined} quarantined` : 'None'}</StatusTag>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {truncated ? <Text variant="microcopy">The busiest feeds are shown; `referralynx status` lists them all.</Text> : null}
        </>
      )}
    </>
  );
}

function Sync({ page, api, onRetried }: { page: SettingsPage; api: Api; onRetried: () => void }) {
  const [retry, setRetry] = useState<{ status: 'idle' | 'running' } | { status: 'failed'; message: string }>({ status: 'idle' });
  const refused = page.sync.errors.length;
  const retryRefused = async () => {
    setRetry({ status: 'running' });
    try {
      await api.retrySync();
      setRetry({ status: 'idle' });
      onRetried();
    } catch (error) {
      setRetry({ status: 'failed', message: toApiError(error).message });
    }
  };
  return (
    <>
      <Heading>Sync to HubSpot</Heading>
      {page.sync.writers.length === 0 ? (
        <Alert title="No server process is writing to HubSpot" variant="warning">
          Start the server (referralynx start) to send the queue.
        </Alert>
      ) : (
        <Text>{plural(page.sync.writers.length, 'server process', 'server processes')} writing to HubSpot.</Text>
      )}
      <Table bordered>
        <TableHead>
          <TableRow>
            <TableHeader>Records</TableHeader>
            <TableHeader align="right">In HubSpot</TableHeader>
            <TableHeader align="right">Queued</TableHeader>
            <TableHeader>Oldest waiting</TableHeader>
            <TableHeader align="right">Retrying</TableHeader>
            <TableHeader align="right">Dead letters</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {page.sync.kinds.map((kind) => (
            <TableRow key={kind.kind}>
              <TableCell>{kind.kind}s</TableCell>
              <TableCell align="right">{kind.written}</TableCell>
              <TableCell align="right">{kind.due}</TableCell>
              <TableCell>{kind.due > 0 ? waited(kind.lagSeconds) : NONE}</TableCell>
              <TableCell align="right">{kind.retrying}</TableCell>
              <TableCell align="right">{kind.dead}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {refused === 0 ? (
        <Text>HubSpot has refused no record.</Text>
      ) : (
        <>
          <Text>
            {plural(page.deadLetters, 'dead letter')}: records HubSpot refused on every try. The latest refusals:
          </Text>
          <Table bordered>
            <TableHead>
              <TableRow>
                <TableHeader>Record</TableHeader>
                <TableHeader align="right">Tries</TableHeader>
                <TableHeader>HubSpot said</TableHeader>
              </TableRow>
            </TableHead>
            <TableBody>
              {page.sync.errors.map((error) => (
                <TableRow key={`${error.kind}/${error.key}`}>
                  <TableCell>
                    {error.kind} {error.key} {error.dead ? <StatusTag variant="danger">Dead letter</StatusTag> : <StatusTag variant="warning">Retrying</StatusTag>}
                  </TableCell>
                  <TableCell align="right">{error.attempts}</TableCell>
                  <TableCell>{error.error}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {retry.status === 'failed' ? (
            <Alert title="The records were not queued again" variant="error">
              {retry.message}
            </Alert>
          ) : null}
          <ButtonRow>
            <Button variant="primary" disabled={retry.status === 'running'} onClick={() => void retryRefused()}>
              Retry refused records
            </Button>
          </ButtonRow>
        </>
      )}
    </>
  );
}

interface Draft {
  followUps: FollowUpSettings;
  timeZone: string;
  holidayCalendar: string;
}

function FollowUpRules({ page, api, onSaved }: { page: SettingsPage; api: Api; onSaved: Change }) {
  const [draft, setDraft] = useState<Draft>({ followUps: page.followUps, timeZone: page.timeZone, holidayCalendar: page.holidayCalendar });
  const [result, setResult] = useState<{ ok: true } | { ok: false; message: string; errors: Array<{ path: string; message: string }> }>();
  const [saving, setSaving] = useState(false);
  const rule = <K extends RuleKey>(key: K, change: Partial<FollowUpSettings[K]>) => setDraft((d) => ({ ...d, followUps: withRule(d.followUps, key, change) }));
  const { followUps } = draft;
  const number = (label: string, name: string, value: number, set: (n: number) => void, min: number, max: number) => (
    <NumberInput key={name} label={label} name={name} value={value} min={min} max={max} onChange={(n) => set(n)} />
  );
  const save = async () => {
    setSaving(true);
    try {
      const saved = await api.saveSettings({ followUps: draft.followUps, timeZone: draft.timeZone.trim(), holidayCalendar: draft.holidayCalendar.trim() });
      onSaved((p) => ({ ...p, ...saved }));
      setDraft({ followUps: saved.followUps, timeZone: saved.timeZone, holidayCalendar: saved.holidayCalendar });
      setResult({ ok: true });
    } catch (error) {
      const failure = toApiError(error);
      setResult({ ok: false, message: failure.message, errors: failure.errors });
    } finally {
      setSaving(false);
    }
  };
  const fieldError = (path: string) => {
    const found = result && !result.ok ? result.errors.find((e) => e.path === path) : undefined;
    return found ? { error: true, validationMessage: found.message } : {};
  };

  const parameters: Partial<Record<RuleKey, JSX.Element>> = {
    firstReferral: <Input label="Task due at (HH:MM)" name="firstReferral.at" value={followUps.firstReferral.at} onChange={(at) => rule('firstReferral', { at })} />,
    startOfCare: <Input label="Task due at (HH:MM)" name="startOfCare.at" value={followUps.startOfCare.at} onChange={(at) => rule('startOfCare', { at })} />,
    stalledReferral: number('After business hours', 'stalledReferral.afterBusinessHours', followUps.stalledReferral.afterBusinessHours, (afterBusinessHours) => rule('stalledReferral', { afterBusinessHours }), 1, 80),
    checkIn: (
      <Flex direction="row" gap="sm">
        {(['A', 'B', 'C'] as const).map((tier) =>
          number(`Tier ${tier}: every … days`, `checkIn.everyDays.${tier}`, followUps.checkIn.everyDays[tier], (days) => rule('checkIn', { everyDays: { ...followUps.checkIn.everyDays, [tier]: days } }), 1, 365),
        )}
      </Flex>
    ),
    dormantSource: (
      <Flex direction="row" gap="sm">
        {number('Times the usual gap', 'dormantSource.gapMultiple', followUps.dormantSource.gapMultiple, (gapMultiple) => rule('dormantSource', { gapMultiple }), 1, 10)}
        {number('At least … days', 'dormantSource.minDays', followUps.dormantSource.minDays, (minDays) => rule('dormantSource', { minDays }), 1, 365)}
        {number('Sources with … referrals', 'dormantSource.minReferrals', followUps.dormantSource.minReferrals, (minReferrals) => rule('dormantSource', { minReferrals }), 3, 100)}
      </Flex>
    ),
    noe: number('Warn on day', 'noe.warnOnDay', followUps.noe.warnOnDay, (warnOnDay) => rule('noe', { warnOnDay }), 1, 5),
    partnerSummary: (
      <Select
        label="Summary of each"
        name="partnerSummary.every"
        value={followUps.partnerSummary.every}
        options={[
          { label: 'Week', value: 'week' },
          { label: 'Month', value: 'month' },
        ]}
        onChange={(every) => rule('partnerSummary', { every: every === 'week' ? 'week' : 'month' })}
      />
    ),
  };

  return (
    <>
      <Heading>Follow-up rules</Heading>
      {page.followUpRules
        .filter((r) => RULE_SETTINGS[r.value])
        .map((r) => {
          const key = RULE_SETTINGS[r.value] as RuleKey;
          const block = followUps[key];
          return (
            <Box key={r.value}>
              <Toggle label={r.label} name={`${key}.enabled`} checked={block.enabled} onChange={(enabled) => rule(key, { enabled } as Partial<FollowUpSettings[typeof key]>)} />
              {block.enabled ? parameters[key] : null}
            </Box>
          );
        })}
      <Heading>Working days and time</Heading>
      <Flex direction="row" gap="sm">
        <Input label="Day starts (HH:MM)" name="businessHours.dayStart" value={followUps.businessHours.dayStart} onChange={(dayStart) => setDraft((d) => ({ ...d, followUps: { ...d.followUps, businessHours: { ...d.followUps.businessHours, dayStart } } }))} />
        <Input label="Day ends (HH:MM)" name="businessHours.dayEnd" value={followUps.businessHours.dayEnd} onChange={(dayEnd) => setDraft((d) => ({ ...d, followUps: { ...d.followUps, businessHours: { ...d.followUps.businessHours, dayEnd } } }))} />
      </Flex>
      <Input label="Time zone" name="timeZone" description="An IANA time zone, e.g. America/Chicago." value={draft.timeZone} onChange={(timeZone) => setDraft((d) => ({ ...d, timeZone }))} {...fieldError('timeZone')} />
      <Input
        label="Holiday calendar"
        name="holidayCalendar"
        description="A country or state, e.g. US or US-TX; none for no holidays."
        value={draft.holidayCalendar}
        onChange={(holidayCalendar) => setDraft((d) => ({ ...d, holidayCalendar }))}
        {...fieldError('holidayCalendar')}
      />
      {result?.ok ? <Alert title="Settings saved" variant="success">The follow-up rules use them from their next run.</Alert> : null}
      {result && !result.ok ? (
        <Alert title="The settings were not saved" variant="error">
          {[result.message, ...result.errors.map((e) => `${e.path}: ${e.message}`)].join(' ')}
        </Alert>
      ) : null}
      <ButtonRow>
        <Button variant="primary" disabled={saving} onClick={() => void save()}>
          Save settings
        </Button>
      </ButtonRow>
    </>
  );
}

/**
 * A reason on the page: as saved, or as being edited (`changed`), or added here and not saved yet (`isNew`), or a
 * reworded default to be given Referralynx's words again at the next save (`restore`).
 */
interface ReasonDraft extends NonAdmitReason {
  changed: boolean;
  isNew: boolean;
  restore: boolean;
}

const toDrafts = (reasons: readonly NonAdmitReason[]): ReasonDraft[] => reasons.map((reason) => ({ ...reason, changed: false, isNew: false, restore: false }));

/**
 * The entries the settings hold: every added reason, and each default the agency reworded, before or now; an
 * untouched default is left out, so it keeps Referralynx's words. A new reason's empty words or offer are left out,
 * so the server gives it its label's words and the generic offer.
 */
function toEntries(drafts: readonly ReasonDraft[]): Array<{ index: number; entry: NonAdmitReasonEntry }> {
  return drafts.flatMap((draft, index) => {
    if (draft.isDefault && ((!draft.reworded && !draft.changed) || draft.restore)) return [];
    const words = draft.words.trim();
    const offer = draft.offer.trim();
    const entry: NonAdmitReasonEntry = { value: draft.value.trim(), label: draft.label.trim(), ...(words ? { words } : {}), ...(offer ? { offer } : {}) };
    return [{ index, entry }];
  });
}

/** The fields of a reason the page edits, as the server names them in a refusal (nonAdmitReasons.2.label). */
const REASON_FIELDS = ['value', 'label', 'words', 'offer'];

type ReasonsResult = { ok: true } | { ok: false; message: string; errors: Array<{ row: number | undefined; field: string; message: string }> };

/**
 * The agency's non-admit reasons: what intake records, the label HubSpot shows and the words a source reads. A
 * reason is reworded or added here and the list saved with PUT /cards/settings; the server gives HubSpot's property
 * the new options before it saves, and its refusals show on the fields they name.
 */
function NonAdmitReasons({ page, api, onSaved }: { page: SettingsPage; api: Api; onSaved: Change }) {
  const [drafts, setDrafts] = useState<ReasonDraft[]>(() => toDrafts(page.nonAdmitReasons));
  const [editing, setEditing] = useState<number>();
  const [result, setResult] = useState<ReasonsResult>();
  const [saving, setSaving] = useState(false);
  const current = editing === undefined ? undefined : drafts[editing];
  const change = (index: number, fields: Partial<NonAdmitReasonEntry>) =>
    setDrafts((list) => list.map((draft, i) => (i === index ? { ...draft, ...fields, changed: true, restore: false } : draft)));
  // An added reason leaves the list at the next save (referrals that carry it then read "other"); a reworded default
  // gets Referralynx's words back.
  const remove = (index: number) => {
    setDrafts((list) => list.filter((_, i) => i !== index));
    setEditing(undefined);
  };
  const restore = (index: number) => setDrafts((list) => list.map((draft, i) => (i === index ? { ...draft, restore: true } : draft)));
  const add = () => {
    setDrafts((list) => [...list, { value: '', label: '', words: '', offer: '', isDefault: false, reworded: false, changed: true, isNew: true, restore: false }]);
    setEditing(drafts.length);
  };
  const save = async () => {
    const sent = toEntries(drafts);
    setSaving(true);
    try {
      const saved = await api.saveSettings({ nonAdmitReasons: sent.map((s) => s.entry) });
      onSaved((p) => ({ ...p, ...saved }));
      setDrafts(toDrafts(saved.nonAdmitReasons));
      setEditing(undefined);
      setResult({ ok: true });
    } catch (error) {
      const failure = toApiError(error);
      // The server names an entry by its place in the list sent (nonAdmitReasons.2.label): back to the row it came from.
      const errors = failure.errors.map((e) => {
        const [, at, field = ''] = e.path.split('.');
        return { row: at === undefined ? undefined : sent[Number(at)]?.index, field, message: e.message };
      });
      const first = errors.find((e) => e.row !== undefined)?.row;
      if (first !== undefined) setEditing(first);
      setResult({ ok: false, message: failure.message, errors });
    } finally {
      setSaving(false);
    }
  };
  const fieldError = (row: number, field: string) => {
    const found = result && !result.ok ? result.errors.find((e) => e.row === row && e.field === field) : undefined;
    return found ? { error: true, validationMessage: found.message } : {};
  };

  return (
    <>
      <Heading>Non-admit reasons</Heading>
      <Text variant="microcopy">The reasons intake chooses from, and the words a source reads in the close-the-loop message.</Text>
      <Table bordered>
        <TableHead>
          <TableRow>
            <TableHeader>Reason</TableHeader>
            <TableHeader>The source reads</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {drafts.map((reason, index) => (
            <TableRow key={index}>
              <TableCell>{reason.label}</TableCell>
              <TableCell>{reason.restore ? "Referralynx's words, once saved" : reason.words}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Select
        label="Reason to edit"
        name="nonAdmit.editing"
        value={editing === undefined ? '' : String(editing)}
        options={drafts.map((reason, index) => ({ label: reason.label || 'New reason', value: String(index) }))}
        onChange={(value) => setEditing(value === '' || value === undefined ? undefined : Number(value))}
      />
      {current && editing !== undefined ? (
        <Box>
          {current.isNew ? (
            <Input
              label="Value (as the EHR feed and HubSpot store it)"
              name="nonAdmit.value"
              description="Lower case letters, digits and _, e.g. no_caregiver. It cannot change once saved."
              value={current.value}
              onChange={(value) => change(editing, { value })}
              {...fieldError(editing, 'value')}
            />
          ) : (
            <Text variant="microcopy">{current.isDefault ? `Referralynx's reason ${current.value}` : `The agency's reason ${current.value}`}</Text>
          )}
          <Input label="Label (as HubSpot shows it)" name="nonAdmit.label" value={current.label} onChange={(label) => change(editing, { label })} {...fieldError(editing, 'label')} />
          <Input
            label="Words the source reads"
            name="nonAdmit.words"
            description={current.isNew ? 'Empty: the label in lower case.' : undefined}
            value={current.words}
            onChange={(words) => change(editing, { words })}
            {...fieldError(editing, 'words')}
          />
          <TextArea
            label="What the agency can offer instead"
            name="nonAdmit.offer"
            description={current.isNew ? 'Empty: "We are glad to talk through other options."' : undefined}
            value={current.offer}
            onChange={(offer) => change(editing, { offer })}
            {...fieldError(editing, 'offer')}
          />
          {!current.isDefault ? (
            <Button variant="destructive" onClick={() => remove(editing)}>
              Remove this reason
            </Button>
          ) : current.reworded || current.changed ? (
            <Button variant="secondary" disabled={current.restore} onClick={() => restore(editing)}>
              Use Referralynx&apos;s words
            </Button>
          ) : null}
        </Box>
      ) : null}
      {result?.ok ? (
        <Alert title="Non-admit reasons saved" variant="success">
          HubSpot&apos;s Non-admit reason property has every reason as an option.
        </Alert>
      ) : null}
      {result && !result.ok ? (
        <Alert title="The non-admit reasons were not saved" variant="error">
          {/* A refusal of a reason's field shows on the field; any other (the list as a whole, too many reasons) here. */}
          {[result.message, ...result.errors.filter((e) => e.row === undefined || !REASON_FIELDS.includes(e.field)).map((e) => e.message)].join(' ')}
        </Alert>
      ) : null}
      <ButtonRow>
        <Button variant="secondary" onClick={add}>
          Add a reason
        </Button>
        <Button variant="primary" disabled={saving} onClick={() => void save()}>
          Save non-admit reasons
        </Button>
      </ButtonRow>
    </>
  );
}

function UnmatchedSources({ page, api, onMapped }: { page: SettingsPage; api: Api; onMapped: Change }) {
  const [mapped, setMapped] = useState<string>();
  const { items, truncated } = page.unmatchedSources;
  return (
    <>
      <Heading>Referral sources to map</Heading>
      {mapped ? <Alert title="Source mapped" variant="success">{mapped}</Alert> : null}
      {items.length === 0 ? (
        <Text>Every referral source and clinician seen so far is matched to a HubSpot record.</Text>
      ) : (
        items.map((source) => (
          <SourceToMap
            key={`${source.objectType}/${source.ref}`}
            source={source}
            api={api}
            onMapped={(message) => {
              setMapped(message);
              onMapped((p) => ({ ...p, unmatchedSources: { ...p.unmatchedSources, items: p.unmatchedSources.items.filter((s) => s !== source) } }));
            }}
          />
        ))
      )}
      {truncated ? <Text variant="microcopy">The sources with the most referrals are shown; `referralynx sources unmatched` lists them all.</Text> : null}
    </>
  );
}

function SourceToMap({ source, api, onMapped }: { source: UnmatchedSource; api: Api; onMapped: (message: string) => void }) {
  const word = source.objectType === 'companies' ? 'company' : 'contact';
  const [recordId, setRecordId] = useState(source.candidateId ?? '');
  const [failure, setFailure] = useState<string>();
  const [saving, setSaving] = useState(false);
  const map = async () => {
    const hubspotId = recordId.trim();
    if (!/^\d+$/.test(hubspotId)) {
      setFailure(`Enter the HubSpot ${word}'s record id (digits, from its URL).`);
      return;
    }
    setSaving(true);
    setFailure(undefined);
    try {
      const result = await api.mapSource({ objectType: source.objectType, ref: source.ref, hubspotId });
      onMapped(`${result.displayName} is now ${word} ${result.hubspotId}; ${plural(result.referralsQueued, 'referral')} queued to be linked.`);
    } catch (error) {
      setFailure(toApiError(error).message);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Box>
      <Text format={{ fontWeight: 'bold' }}>
        {source.displayName}
        {source.place ? `, ${source.place}` : ''} ({word}, {plural(source.referrals, 'referral')})
      </Text>
      <Text variant="microcopy">
        {source.reason}
        {source.candidateId ? ` Best candidate: ${source.candidateName ?? '?'} (id ${source.candidateId}).` : ''}
      </Text>
      <Flex direction="row" gap="sm" align="end">
        <Input
          label={`HubSpot ${word} id`}
          name={`map.${source.ref}`}
          value={recordId}
          onChange={setRecordId}
          {...(failure ? { error: true, validationMessage: failure } : {})}
        />
        <Button variant="secondary" disabled={saving} onClick={() => void map()}>
          Map
        </Button>
      </Flex>
    </Box>
  );
}
