import { Alert, Button, ErrorState, Input, LoadingSpinner, NumberInput, Select, StatusTag, Table, TableRow, TextArea, Toggle } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { SettingsView } from '../../hubspot-app/app/settings/SettingsView';
import { fakeServer, failed, ok } from './fakeServer';
import type { NonAdmitReason } from '@referralynx/hubspot-shared';
import { emptySettingsPage, settingsPage } from './fixtures';
import { textOf, withText } from './text';

const SETTINGS = 'GET /cards/settings';

function renderPage(routes: Parameters<typeof fakeServer>[0]) {
  const server = fakeServer(routes);
  const renderer = createRenderer('settings');
  renderer.render(<SettingsView api={server.api} />);
  return { renderer, server };
}

const rows = (renderer: ReturnType<typeof createRenderer>, table: number) => renderer.findAll(Table)[table]?.findAll(TableRow).map((row) => textOf(row));
const loaded = (renderer: ReturnType<typeof createRenderer>) => renderer.waitFor(() => expect(renderer.findAll(Table).length).toBeGreaterThan(0));

describe('the settings page', () => {
  it('shows a spinner while it loads', () => {
    const { renderer } = renderPage({ [SETTINGS]: 'never' });
    expect(renderer.find(LoadingSpinner).props.label).toBe('Loading Referralynx settings');
  });

  it('shows the error with a retry', async () => {
    const { renderer, server } = renderPage({ [SETTINGS]: [failed(500, 'internal_error', 'Something went wrong on the server.'), ok(settingsPage)] });
    await renderer.waitFor(() => expect(textOf(renderer.find(ErrorState))).toContain('Something went wrong on the server.'));
    renderer.find(Button, withText('Try again')).trigger('onClick');
    await loaded(renderer);
    expect(server.sent.map((s) => s.path)).toEqual(['/cards/settings', '/cards/settings']);
  });

  it('says in words what a new server does not have yet: no message, no writer, no refusal, nothing to map', async () => {
    const { renderer } = renderPage({ [SETTINGS]: ok(emptySettingsPage) });
    await loaded(renderer);
    const text = textOf(renderer.getRootNode());
    expect(text).toContain('No EHR message has arrived yet.');
    expect(renderer.find(Alert, { title: 'No server process is writing to HubSpot' })).toBeTruthy();
    expect(text).toContain('HubSpot has refused no record.');
    expect(text).toContain('Every referral source and clinician seen so far is matched to a HubSpot record.');
    expect(renderer.maybeFind(Button, withText('Retry refused records'))).toBeNull();
  });

  it('shows each feed with its last message in local time and its quarantine, and the sync backlog, lag and dead letters', async () => {
    const { renderer } = renderPage({ [SETTINGS]: ok(settingsPage) });
    await loaded(renderer);
    expect(textOf(renderer.getRootNode())).toContain('1240 messages taken: 812 referrals, 590 admissions; 2 in quarantine.');
    // 16:58Z is 11:58 in New York.
    expect(rows(renderer, 0)).toEqual(['FeedMessagesLast messageQuarantine', 'mllp (hl7v2)12002026-11-27 11:582 quarantined', 'weekly-export (csv)402026-11-23 06:00None']);
    expect(renderer.find(StatusTag, withText('2 quarantined')).props.variant).toBe('warning');
    expect(rows(renderer, 1)).toEqual([
      'RecordsIn HubSpotQueuedOldest waitingRetryingDead letters',
      'referrals808412 s01',
      'admissions5900—00',
      'tasks3210—00',
      'scorecards640—00',
    ]);
    expect(textOf(renderer.getRootNode())).toContain('1 dead letter: records HubSpot refused on every try.');
    expect(rows(renderer, 2)).toEqual(['RecordTriesHubSpot said', 'referral R-2211 Dead letter8PROPERTY_DOESNT_EXIST: rlx_branch']);
    expect(textOf(renderer.getRootNode())).toContain('1 server process writing to HubSpot.');
  });

  it('retries the refused records and reads the page again', async () => {
    const { renderer, server } = renderPage({
      [SETTINGS]: [ok(settingsPage), ok({ ...settingsPage, deadLetters: 0, sync: { ...settingsPage.sync, errors: [] } })],
      'POST /cards/settings/sync-retry': ok({ queued: 1 }),
    });
    await loaded(renderer);
    renderer.find(Button, withText('Retry refused records')).trigger('onClick');
    await renderer.waitFor(() => expect(textOf(renderer.getRootNode())).toContain('HubSpot has refused no record.'));
    expect(server.sent.map((s) => `${s.method} ${s.path}`)).toEqual(['GET /cards/settings', 'POST /cards/settings/sync-retry', 'GET /cards/settings']);
    expect(server.sent[1]?.body).toEqual({});
  });

  it('lists the follow-up rules with their switches and parameters, and the non-admit reasons', async () => {
    const { renderer } = renderPage({ [SETTINGS]: ok(settingsPage) });
    await loaded(renderer);
    // Nine rules have settings; "Pilot at risk" is run by the pilots and has none here.
    expect(renderer.findAll(Toggle).map((t) => [t.props.label, t.props.checked])).toEqual([
      ['New referral', true],
      ['First referral from a source', true],
      ['Non-admit explained', true],
      ['Start of care update', true],
      ['Stalled referral', true],
      ['Account check-in', true],
      ['Dormant source', true],
      ['Hospice NOE not accepted', true],
      ['Partner summary', false],
    ]);
    expect(renderer.find(NumberInput, { name: 'checkIn.everyDays.B' }).props.value).toBe(30);
    expect(renderer.find(NumberInput, { name: 'stalledReferral.afterBusinessHours' }).props.value).toBe(3);
    expect(renderer.find(Input, { name: 'timeZone' }).props.value).toBe('America/New_York');
    expect(renderer.find(Input, { name: 'holidayCalendar' }).props.value).toBe('US');
    expect(rows(renderer, 3)).toEqual(['ReasonThe source reads', 'Insurance not accepted / no authorizationinsurance not accepted', 'Outside service areaoutside our service area']);
  });

  it('saves the rules, the time zone and the holiday calendar with PUT, and shows what was saved', async () => {
    const { renderer, server } = renderPage({
      [SETTINGS]: ok(settingsPage),
      'PUT /cards/settings': ok({
        followUps: { ...settingsPage.followUps, stalledReferral: { enabled: false, afterBusinessHours: 3 }, checkIn: { enabled: true, everyDays: { A: 7, B: 30, C: 60 } } },
        timeZone: 'America/Chicago',
        holidayCalendar: 'US-TX',
      }),
    });
    await loaded(renderer);
    renderer.find(Toggle, { name: 'stalledReferral.enabled' }).trigger('onChange', false as never);
    renderer.find(NumberInput, { name: 'checkIn.everyDays.A' }).trigger('onChange', 7 as never);
    renderer.find(Input, { name: 'timeZone' }).trigger('onChange', ' America/Chicago ' as never);
    renderer.find(Input, { name: 'holidayCalendar' }).trigger('onChange', 'US-TX' as never);
    await renderer.waitFor(() => expect(renderer.maybeFind(NumberInput, { name: 'stalledReferral.afterBusinessHours' })).toBeNull());
    renderer.find(Button, withText('Save settings')).trigger('onClick');
    await renderer.waitFor(() => expect(renderer.find(Alert, { title: 'Settings saved' })).toBeTruthy());
    expect(server.sent.at(-1)).toEqual({
      method: 'PUT',
      path: '/cards/settings',
      body: {
        followUps: { ...settingsPage.followUps, stalledReferral: { enabled: false, afterBusinessHours: 3 }, checkIn: { enabled: true, everyDays: { A: 7, B: 30, C: 60 } } },
        timeZone: 'America/Chicago',
        holidayCalendar: 'US-TX',
      },
    });
    expect(renderer.find(Input, { name: 'timeZone' }).props.value).toBe('America/Chicago');
  });

  it("shows the server's refusal of a setting on its field", async () => {
    const { renderer } = renderPage({
      [SETTINGS]: ok(settingsPage),
      'PUT /cards/settings': failed(400, 'invalid_request', 'The request does not have the expected shape.', [{ path: 'timeZone', message: 'must be an IANA time zone such as America/New_York' }]),
    });
    await loaded(renderer);
    renderer.find(Input, { name: 'timeZone' }).trigger('onChange', 'Mars/Olympus' as never);
    renderer.find(Button, withText('Save settings')).trigger('onClick');
    await renderer.waitFor(() => expect(renderer.find(Alert, { title: 'The settings were not saved' })).toBeTruthy());
    expect(renderer.find(Input, { name: 'timeZone' }).props).toMatchObject({ error: true, validationMessage: 'must be an IANA time zone such as America/New_York' });
    expect(textOf(renderer.find(Alert, { title: 'The settings were not saved' }))).toBe(
      'The request does not have the expected shape. timeZone: must be an IANA time zone such as America/New_York',
    );
  });

  it('lists an unmatched source with its best candidate, and maps it to the company id given', async () => {
    const { renderer, server } = renderPage({
      [SETTINGS]: ok(settingsPage),
      'POST /cards/settings/sources/map': ok({ objectType: 'companies', ref: 'name:bayside snf|bronx ny', hubspotId: '9050', displayName: 'Bayside SNF', referralsQueued: 3 }),
    });
    await loaded(renderer);
    const text = textOf(renderer.getRootNode());
    expect(text).toContain('Bayside SNF, Bronx, NY (company, 3 referrals)');
    expect(text).toContain('Best candidate: Bayside Skilled Nursing (id 9050).');
    const input = renderer.find(Input, { name: 'map.name:bayside snf|bronx ny' });
    expect(input.props.value).toBe('9050');
    renderer.find(Button, withText('Map')).trigger('onClick');
    await renderer.waitFor(() => expect(textOf(renderer.find(Alert, { title: 'Source mapped' }))).toBe('Bayside SNF is now company 9050; 3 referrals queued to be linked.'));
    expect(server.sent.at(-1)).toEqual({ method: 'POST', path: '/cards/settings/sources/map', body: { objectType: 'companies', ref: 'name:bayside snf|bronx ny', hubspotId: '9050' } });
    expect(textOf(renderer.getRootNode())).toContain('Every referral source and clinician seen so far is matched to a HubSpot record.');
  });

  it('refuses a record id that is not digits before sending, and shows a server refusal on the field', async () => {
    const { renderer, server } = renderPage({
      [SETTINGS]: ok(settingsPage),
      'POST /cards/settings/sources/map': failed(422, 'unknown_record', 'HubSpot has no company with id 123.'),
    });
    await loaded(renderer);
    const name = 'map.name:bayside snf|bronx ny';
    renderer.find(Input, { name }).trigger('onChange', 'bayside' as never);
    renderer.find(Button, withText('Map')).trigger('onClick');
    await renderer.waitFor(() => expect(renderer.find(Input, { name }).props.validationMessage).toBe("Enter the HubSpot company's record id (digits, from its URL)."));
    expect(server.sent.filter((s) => s.method === 'POST')).toEqual([]);
    renderer.find(Input, { name }).trigger('onChange', '123' as never);
    renderer.find(Button, withText('Map')).trigger('onClick');
    await renderer.waitFor(() => expect(renderer.find(Input, { name }).props.validationMessage).toBe('HubSpot has no company with id 123.'));
  });

  describe('the non-admit reasons', () => {
    const [insurance, outsideArea] = settingsPage.nonAdmitReasons as [NonAdmitReason, NonAdmitReason];
    const noCaregiver: NonAdmitReason = {
      value: 'no_caregiver',
      label: 'No caregiver at home',
      words: 'no caregiver at home',
      offer: 'We are glad to talk through other options.',
      isDefault: false,
      reworded: false,
    };
    const reasonRows = (renderer: ReturnType<typeof createRenderer>) => rows(renderer, 3);
    const edit = (renderer: ReturnType<typeof createRenderer>, row: number) => renderer.find(Select, { name: 'nonAdmit.editing' }).trigger('onChange', String(row) as never);

    it("rewords a default reason: only that reason is sent, with its label, words and offer, and the page shows what was saved", async () => {
      const reworded = { ...insurance, words: "the patient's insurance is not one we take", reworded: true };
      const { renderer, server } = renderPage({
        [SETTINGS]: ok(settingsPage),
        'PUT /cards/settings': ok({ followUps: settingsPage.followUps, timeZone: 'America/New_York', holidayCalendar: 'US', nonAdmitReasons: [reworded, outsideArea] }),
      });
      await loaded(renderer);
      edit(renderer, 0);
      await renderer.waitFor(() => expect(renderer.find(Input, { name: 'nonAdmit.label' }).props.value).toBe('Insurance not accepted / no authorization'));
      // A default's value is Referralynx's: it is shown, not edited.
      expect(renderer.maybeFind(Input, { name: 'nonAdmit.value' })).toBeNull();
      expect(renderer.find(TextArea, { name: 'nonAdmit.offer' }).props.value).toBe("We can suggest an agency in the patient's plan network, or go over other ways to cover care.");
      renderer.find(Input, { name: 'nonAdmit.words' }).trigger('onChange', "the patient's insurance is not one we take" as never);
      await renderer.waitFor(() => expect(reasonRows(renderer)?.[1]).toBe("Insurance not accepted / no authorizationthe patient's insurance is not one we take"));
      renderer.find(Button, withText('Save non-admit reasons')).trigger('onClick');
      await renderer.waitFor(() => expect(renderer.find(Alert, { title: 'Non-admit reasons saved' })).toBeTruthy());
      expect(server.sent.at(-1)).toEqual({
        method: 'PUT',
        path: '/cards/settings',
        body: {
          nonAdmitReasons: [
            {
              value: 'insurance_not_accepted',
              label: 'Insurance not accepted / no authorization',
              words: "the patient's insurance is not one we take",
              offer: "We can suggest an agency in the patient's plan network, or go over other ways to cover care.",
            },
          ],
        },
      });
      expect(reasonRows(renderer)).toEqual([
        'ReasonThe source reads',
        "Insurance not accepted / no authorizationthe patient's insurance is not one we take",
        'Outside service areaoutside our service area',
      ]);
    });

    it('adds a reason with a value and a label; empty words and offer are left to the server', async () => {
      const { renderer, server } = renderPage({
        [SETTINGS]: ok(settingsPage),
        'PUT /cards/settings': ok({ followUps: settingsPage.followUps, timeZone: 'America/New_York', holidayCalendar: 'US', nonAdmitReasons: [insurance, outsideArea, noCaregiver] }),
      });
      await loaded(renderer);
      renderer.find(Button, withText('Add a reason')).trigger('onClick');
      await renderer.waitFor(() => expect(renderer.find(Input, { name: 'nonAdmit.value' }).props.value).toBe(''));
      renderer.find(Input, { name: 'nonAdmit.value' }).trigger('onChange', 'no_caregiver' as never);
      renderer.find(Input, { name: 'nonAdmit.label' }).trigger('onChange', 'No caregiver at home' as never);
      await renderer.waitFor(() => expect(renderer.find(Input, { name: 'nonAdmit.label' }).props.value).toBe('No caregiver at home'));
      renderer.find(Button, withText('Save non-admit reasons')).trigger('onClick');
      await renderer.waitFor(() => expect(renderer.find(Alert, { title: 'Non-admit reasons saved' })).toBeTruthy());
      // The two defaults are untouched, so they are not sent: they keep Referralynx's words.
      expect(server.sent.at(-1)?.body).toEqual({ nonAdmitReasons: [{ value: 'no_caregiver', label: 'No caregiver at home' }] });
      expect(reasonRows(renderer)?.[3]).toBe('No caregiver at homeno caregiver at home');
    });

    it("shows the server's refusal on the field of the reason it names, counting only the entries sent", async () => {
      // A reworded default is sent first (entry 0), so the new reason, row 2 of the page, is entry 1.
      const page = { ...settingsPage, nonAdmitReasons: [insurance, { ...outsideArea, label: 'Out of our area', reworded: true }] };
      const { renderer, server } = renderPage({
        [SETTINGS]: ok(page),
        'PUT /cards/settings': failed(400, 'invalid_request', 'The request does not have the expected shape.', [
          { path: 'nonAdmitReasons.1.value', message: 'must be a lower-case slug of at most 50 characters' },
        ]),
      });
      await loaded(renderer);
      renderer.find(Button, withText('Add a reason')).trigger('onClick');
      await renderer.waitFor(() => expect(renderer.find(Input, { name: 'nonAdmit.value' })).toBeTruthy());
      renderer.find(Input, { name: 'nonAdmit.value' }).trigger('onChange', 'No Caregiver' as never);
      renderer.find(Input, { name: 'nonAdmit.label' }).trigger('onChange', 'No caregiver at home' as never);
      await renderer.waitFor(() => expect(renderer.find(Input, { name: 'nonAdmit.value' }).props.value).toBe('No Caregiver'));
      edit(renderer, 0);
      await renderer.waitFor(() => expect(renderer.maybeFind(Input, { name: 'nonAdmit.value' })).toBeNull());
      renderer.find(Button, withText('Save non-admit reasons')).trigger('onClick');
      await renderer.waitFor(() => expect(renderer.find(Alert, { title: 'The non-admit reasons were not saved' })).toBeTruthy());
      expect(server.sent.at(-1)?.body).toEqual({
        nonAdmitReasons: [
          { value: 'outside_service_area', label: 'Out of our area', words: 'outside our service area', offer: "We can suggest an agency that serves the patient's area." },
          { value: 'No Caregiver', label: 'No caregiver at home' },
        ],
      });
      // The page opens the reason the server named, and says why on its field.
      expect(renderer.find(Input, { name: 'nonAdmit.value' }).props).toMatchObject({ value: 'No Caregiver', error: true, validationMessage: 'must be a lower-case slug of at most 50 characters' });
      expect(renderer.find(Input, { name: 'nonAdmit.label' }).props.error).toBeUndefined();
    });

    it("removes an added reason and gives a reworded default Referralynx's words back: neither is sent", async () => {
      const noCaregiver = { value: 'no_caregiver', label: 'No caregiver at home', words: 'no caregiver at home', offer: 'We are glad to talk through other options.', isDefault: false, reworded: false };
      const page = { ...settingsPage, nonAdmitReasons: [insurance, { ...outsideArea, label: 'Out of our area', reworded: true }, noCaregiver] };
      const { renderer, server } = renderPage({
        [SETTINGS]: ok(page),
        'PUT /cards/settings': ok({ followUps: settingsPage.followUps, timeZone: 'America/New_York', holidayCalendar: 'US', nonAdmitReasons: [insurance, outsideArea] }),
      });
      await loaded(renderer);
      // An untouched default can be neither removed nor restored.
      edit(renderer, 0);
      await renderer.waitFor(() => expect(renderer.find(Input, { name: 'nonAdmit.label' }).props.value).toBe(insurance.label));
      expect(renderer.maybeFind(Button, withText('Remove this reason'))).toBeNull();
      expect(renderer.maybeFind(Button, withText("Use Referralynx's words"))).toBeNull();

      edit(renderer, 2);
      await renderer.waitFor(() => expect(renderer.find(Button, withText('Remove this reason'))).toBeTruthy());
      renderer.find(Button, withText('Remove this reason')).trigger('onClick');
      await renderer.waitFor(() => expect(reasonRows(renderer)).toHaveLength(3));
      edit(renderer, 1);
      await renderer.waitFor(() => expect(renderer.find(Button, withText("Use Referralynx's words"))).toBeTruthy());
      renderer.find(Button, withText("Use Referralynx's words")).trigger('onClick');
      await renderer.waitFor(() => expect(reasonRows(renderer)?.[2]).toBe("Out of our areaReferralynx's words, once saved"));

      renderer.find(Button, withText('Save non-admit reasons')).trigger('onClick');
      await renderer.waitFor(() => expect(renderer.find(Alert, { title: 'Non-admit reasons saved' })).toBeTruthy());
      // Nothing added or reworded is left: the list sent is empty, and the server answers with its defaults.
      expect(server.sent.at(-1)).toEqual({ method: 'PUT', path: '/cards/settings', body: { nonAdmitReasons: [] } });
      expect(reasonRows(renderer)?.slice(1)).toEqual([`${insurance.label}${insurance.words}`, `${outsideArea.label}${outsideArea.words}`]);
    });

    it('says a refusal of the whole list in the alert, where no field can show it', async () => {
      const { renderer } = renderPage({
        [SETTINGS]: ok(settingsPage),
        'PUT /cards/settings': failed(400, 'invalid_request', 'The request does not have the expected shape.', [{ path: 'nonAdmitReasons', message: 'holds at most 100 reasons' }]),
      });
      await loaded(renderer);
      renderer.find(Button, withText('Save non-admit reasons')).trigger('onClick');
      await renderer.waitFor(() =>
        expect(textOf(renderer.find(Alert, { title: 'The non-admit reasons were not saved' }))).toBe('The request does not have the expected shape. holds at most 100 reasons'),
      );
    });
  });
});
