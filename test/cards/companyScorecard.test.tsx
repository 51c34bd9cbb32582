import { Alert, BarChart, Button, EmptyState, ErrorState, Input, LoadingSpinner, NumberInput, ProgressBar, Select, StatisticsItem, StatisticsTrend, StatusTag, Table, TableRow, TextArea, Toggle } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { CompanyScorecardView } from '../../hubspot-app/app/cards/CompanyScorecardView';
import { fakeServer, failed, ok } from './fakeServer';
import { textOf, withText } from './text';
import { fastStartsPilot, mercyCard, newSourceCard } from './fixtures';

const CARD = 'GET /cards/company/9001';

function renderCard(routes: Parameters<typeof fakeServer>[0], companyId = '9001', copy = jest.fn(async (_text: string) => undefined)) {
  const server = fakeServer(routes);
  const renderer = createRenderer('crm.record.tab');
  renderer.render(<CompanyScorecardView companyId={companyId} api={server.api} copy={copy} />);
  return { renderer, server, copy };
}

const statistic = (renderer: ReturnType<typeof createRenderer>, label: string) => renderer.find(StatisticsItem, { label });
const rowsText = (renderer: ReturnType<typeof createRenderer>, table: number) => renderer.findAll(Table)[table]?.findAll(TableRow).map((row) => textOf(row));

describe('the company scorecard tab', () => {
  it('shows a spinner while the scorecard loads', () => {
    const { renderer } = renderCard({ [CARD]: 'never' });
    expect(renderer.find(LoadingSpinner).props.label).toBe('Loading the referral scorecard');
  });

  it("says what went wrong in the server's words, and loads again on Try again", async () => {
    const { renderer, server } = renderCard({ [CARD]: [failed(503, 'cards_not_configured', 'The card API is not configured on this server.'), ok(mercyCard)] });
    await renderer.waitFor(() => expect(renderer.find(ErrorState).props.title).toBe('The referral scorecard could not be loaded'));
    expect(textOf(renderer.find(ErrorState))).toContain('The card API is not configured on this server.');
    renderer.find(Button, withText('Try again')).trigger('onClick');
    await renderer.waitFor(() => expect(statistic(renderer, 'Referrals').props.number).toBe(6));
    expect(server.sent.map((s) => `${s.method} ${s.path}`)).toEqual([CARD, CARD]);
  });

  it('says so when the server cannot be reached', async () => {
    const { renderer } = renderCard({ [CARD]: 'network_error' });
    await renderer.waitFor(() => expect(textOf(renderer.find(ErrorState))).toContain('The Referralynx server could not be reached (connect ECONNREFUSED).'));
  });

  it('shows an empty state, not an error, on a company that has sent no referral (the server answers 404)', async () => {
    const { renderer } = renderCard({ 'GET /cards/company/777': failed(404, 'not_found', 'No referral source with this id in this portal.') }, '777');
    await renderer.waitFor(() => expect(renderer.find(EmptyState).props.title).toBe('No referrals from this source yet'));
    expect(renderer.maybeFind(ErrorState)).toBeNull();
  });

  it('lists the referrals of a source whose scorecard is not computed yet, with empty sections said in words', async () => {
    const { renderer } = renderCard({ 'GET /cards/company/9002': ok(newSourceCard) }, '9002');
    await renderer.waitFor(() => expect(renderer.find(Alert, { title: 'No scorecard yet' })).toBeTruthy());
    const text = textOf(renderer.getRootNode());
    expect(text).toContain('No referral yet.');
    expect(text).toContain('No open follow-up task.');
    expect(text).toContain('No pilot with this source.');
    expect(text).toContain('Check-ins are off');
  });

  it("shows Mercy General's 90 days: the five figures, and no arrow on so few cases", async () => {
    const { renderer } = renderCard({ [CARD]: ok(mercyCard) });
    await renderer.waitFor(() => expect(statistic(renderer, 'Referrals').props.number).toBe(6));
    expect(statistic(renderer, 'Admissions').props.number).toBe(3);
    expect(statistic(renderer, 'Conversion').props.number).toBe('75%');
    expect(statistic(renderer, 'Median hours to SOC').props.number).toBe('30 h');
    expect(statistic(renderer, 'Timely initiation').props.number).toBe('50%');
    // 3 admissions in the year (fewer than 10), 1 outcome outside the window (fewer than 5): nothing to call a trend.
    expect(renderer.maybeFind(StatisticsTrend)).toBeNull();
    expect(textOf(renderer.getRootNode())).toContain('1 referral pending and 1 cancelled by the source, counted apart from conversion.');
  });

  it('switches to the last 30 days and to the year with the window picker', async () => {
    const { renderer } = renderCard({ [CARD]: ok(mercyCard) });
    await renderer.waitFor(() => expect(statistic(renderer, 'Referrals').props.number).toBe(6));
    renderer.find(Select, { name: 'window' }).trigger('onChange', '30' as never);
    await renderer.waitFor(() => expect(statistic(renderer, 'Referrals').props.number).toBe(4));
    expect(statistic(renderer, 'Conversion').props.number).toBe('67%');
    expect(statistic(renderer, 'Median hours to SOC').props.number).toBe('25 h');
    renderer.find(Select, { name: 'window' }).trigger('onChange', '365' as never);
    await renderer.waitFor(() => expect(statistic(renderer, 'Referrals').props.number).toBe(7));
    expect(renderer.maybeFind(StatisticsTrend)).toBeNull();
    expect(rowsText(renderer, 0)?.slice(1)).toEqual(['Insurance not accepted / no authorization1', 'Outside service area1']);
  });

  describe('trend arrows on a busy source, the window against the rest of the year', () => {
    // The year: 120 admitted, 40 not (conversion 75%); timely 80 of 120; median 30 h.
    const year = { referrals: 170, admitted: 120, nonAdmitted: 40, timely: 80, notTimely: 40, medianHoursToSoc: 30, conversion: 0.75, timelyRate: 80 / 120 };
    const busy = {
      ...mercyCard,
      scorecard: {
        ...mercyCard.scorecard!,
        windows: {
          // 90 days: 45 admitted, 5 not; timely 38 of 45; median 22 h.
          '90': { ...mercyCard.scorecard!.windows['90'], referrals: 52, admitted: 45, nonAdmitted: 5, timely: 38, notTimely: 7, medianHoursToSoc: 22, conversion: 0.9, timelyRate: 38 / 45 },
          // 30 days: 12 admitted, 4 not; timely 9 of 14; median 28 h.
          '30': { ...mercyCard.scorecard!.windows['30'], referrals: 17, admitted: 12, nonAdmitted: 4, timely: 9, notTimely: 5, medianHoursToSoc: 28, conversion: 0.75, timelyRate: 9 / 14 },
          '365': { ...mercyCard.scorecard!.windows['365'], ...year },
        },
      },
    };

    it('draws an arrow where the 90 days differ from the rest of the year beyond chance', async () => {
      const { renderer } = renderCard({ [CARD]: ok(busy) });
      await renderer.waitFor(() => expect(statistic(renderer, 'Admissions').props.number).toBe(45));
      // 45 of the year's 120 in 90 days, where an even year puts 120 x 90/365 = 29.6 (sd 4.72): z = 3.26. The other
      // 75 came in 275 days: about 25 per 90 days.
      expect(statistic(renderer, 'Admissions').find(StatisticsTrend).props).toMatchObject({ direction: 'increase', color: 'green', value: '45 vs about 25 per 90 days the rest of the year' });
      // 45 of 50 (90%) against 75 of 110 (68%); pooled 75%, se 0.0739: z = 2.95.
      expect(statistic(renderer, 'Conversion').find(StatisticsTrend).props).toMatchObject({ direction: 'increase', color: 'green', value: '90% vs 68% the rest of the year' });
      // 38 of 45 (84%) against 42 of 75 (56%); pooled 66.7%, se 0.0889: z = 3.2.
      expect(statistic(renderer, 'Timely initiation').find(StatisticsTrend).props).toMatchObject({ direction: 'increase', color: 'green', value: '84% vs 56% the rest of the year' });
      // 22 h against the year's 30 h on 45 and 75 admissions: 27% faster, good news.
      expect(statistic(renderer, 'Median hours to SOC').find(StatisticsTrend).props).toMatchObject({ direction: 'decrease', color: 'green', value: '22 h vs 30 h over the year' });
    });

    it('draws none where the 30 days are within chance of the rest of the year', async () => {
      const { renderer } = renderCard({ [CARD]: ok(busy) });
      await renderer.waitFor(() => expect(statistic(renderer, 'Admissions').props.number).toBe(45));
      renderer.find(Select, { name: 'window' }).trigger('onChange', '30' as never);
      await renderer.waitFor(() => expect(statistic(renderer, 'Admissions').props.number).toBe(12));
      // 12 where 9.9 are expected (sd 3.0): z = 0.71. 75% against 75%. 64% against 67%: z = -0.2. 28 h vs 30 h: 7%.
      expect(renderer.maybeFind(StatisticsTrend)).toBeNull();
    });
  });

  it('shows a significant rise in referrals with an up arrow', async () => {
    const busy = { ...mercyCard, scorecard: { ...mercyCard.scorecard!, trend: 'up' as const, previous30: 4, windows: { ...mercyCard.scorecard!.windows, '30': { ...mercyCard.scorecard!.windows['30'], referrals: 14 } } } };
    const { renderer } = renderCard({ [CARD]: ok(busy) });
    await renderer.waitFor(() => expect(statistic(renderer, 'Referrals').find(StatisticsTrend).props).toMatchObject({ direction: 'increase', color: 'green', value: '14 vs 4 in the 30 days before' }));
  });

  it('charts 12 months of referrals and admissions, hours to SOC against the pilot target, and the non-admit reasons', async () => {
    const { renderer } = renderCard({ [CARD]: ok(mercyCard) });
    await renderer.waitFor(() => expect(renderer.find(BarChart)).toBeTruthy());
    const rows = renderer.find(BarChart).props.data as Array<{ month: string; series: string; count: number }>;
    expect(rows).toHaveLength(24);
    expect(rows.slice(-2)).toEqual([
      { month: 'Nov 2026', series: 'Referrals', count: 4 },
      { month: 'Nov 2026', series: 'Admissions', count: 2 },
    ]);
    expect(rows[0]).toEqual({ month: 'Dec 2025', series: 'Referrals', count: 0 });
    const text = textOf(renderer.getRootNode());
    // The running pilot's 24-hour standard is the target; the median of 30 hours is over it.
    expect(text).toContain('Median 30 h, 90th percentile 46 h; target 24 h (pilot "Fast starts with Mercy").');
    expect(renderer.find(StatusTag, withText('Over target')).props.variant).toBe('danger');
    expect(rowsText(renderer, 0)).toEqual(['ReasonReferrals', 'Insurance not accepted / no authorization1']);
  });

  it('lists the recent referrals by name only, the open follow-ups, the tier and the next check-in', async () => {
    const { renderer } = renderCard({ [CARD]: ok(mercyCard) });
    await renderer.waitFor(() => expect(renderer.findAll(Table)).toHaveLength(3));
    expect(rowsText(renderer, 1)).toEqual([
      'ReferralStatusHours to SOCTimely initiation',
      'Referral 2026-11-26 · Mercy General Hospital · Home healthAdmitted20 hTimely',
      'Referral 2026-11-15 · Mercy General Hospital · HospiceNon-admitted: Insurance not accepted / no authorization——',
    ]);
    const text = textOf(renderer.getRootNode());
    expect(text).toContain('The latest 2 are shown; the Referrals tab lists them all.');
    expect(rowsText(renderer, 2)).toEqual(['Follow-upTaskDue', 'Stalled referralReferral 2026-11-26 · Mercy General Hospital · Home health: no intake decision yet2026-11-27']);
    expect(renderer.find(StatusTag, withText('Stalled referral')).props.variant).toBe('danger');
    expect(text).toContain('B · regular source');
    expect(text).toContain('2026-10-31');
  });

  it('shows each pilot with its status tag and a progress bar per standard', async () => {
    const { renderer } = renderCard({ [CARD]: ok(mercyCard) });
    await renderer.waitFor(() => expect(renderer.findAll(ProgressBar)).toHaveLength(3));
    expect(renderer.find(StatusTag, withText('On track')).props.variant).toBe('info');
    expect(renderer.find(StatusTag, withText('Missed')).props.variant).toBe('danger');
    const bars = renderer.findAll(ProgressBar).map((bar) => [bar.props.title, bar.props.value, bar.props.valueDescription, bar.props.variant]);
    expect(bars).toEqual([
      ['90% of admissions start care within 24 hours: On track', 50, '1 of 2 (goal 90%)', undefined],
      ['80% of referrals admitted: On track', 67, '2 of 3 (goal 80%)', undefined],
      ['90% timely initiation of care: Missed', 0, 'no case yet', 'danger'],
    ]);
    // ZIPs stay on the server's side of the card: their number is shown, not the codes.
    const text = textOf(renderer.getRootNode());
    expect(text).toContain('2026-11-01 to 2027-01-31 · Home health · 2 service ZIPs');
    expect(text).not.toContain('10458');
  });
});

describe('the company scorecard actions', () => {
  it('logs a check-in with its note, and shows the next check-in the server worked out', async () => {
    const { renderer, server } = renderCard({
      [CARD]: ok(mercyCard),
      'POST /cards/company/9001/check-ins': ok({ companyId: '9001', checkedInAt: '2026-11-27T17:00:00.000Z', tier: 'B', nextCheckInDue: '2026-12-27' }),
    });
    await renderer.waitFor(() => expect(renderer.find(TextArea, { name: 'checkInNote' })).toBeTruthy());
    renderer.find(TextArea, { name: 'checkInNote' }).trigger('onChange', '  Met the discharge planner  ' as never);
    renderer.find(Button, withText('Log a check-in')).trigger('onClick');
    await renderer.waitFor(() => expect(textOf(renderer.find(Alert, { title: 'Check-in logged' }))).toBe('Next check-in due 2026-12-27.'));
    expect(server.sent.at(-1)).toEqual({ method: 'POST', path: '/cards/company/9001/check-ins', body: { note: 'Met the discharge planner' } });
    const text = textOf(renderer.getRootNode());
    expect(text).toContain('2026-12-27');
    expect(text).not.toContain('2026-10-31');
  });

  it('logs a check-in without a note as an empty body, and shows a refusal', async () => {
    const { renderer, server } = renderCard({
      [CARD]: ok(mercyCard),
      'POST /cards/company/9001/check-ins': failed(403, 'portal_not_served', 'This server does not serve HubSpot portal 4410023.'),
    });
    await renderer.waitFor(() => expect(renderer.find(Button, withText('Log a check-in'))).toBeTruthy());
    renderer.find(Button, withText('Log a check-in')).trigger('onClick');
    await renderer.waitFor(() => expect(textOf(renderer.find(Alert, { title: 'The check-in was not logged' }))).toBe('This server does not serve HubSpot portal 4410023.'));
    expect(server.sent.at(-1)).toEqual({ method: 'POST', path: '/cards/company/9001/check-ins', body: {} });
  });

  it('prepares the partner update, shows its text and copies it with HubSpot\'s clipboard action', async () => {
    const text =
      "In November, you sent us 4 referrals; 2 started care, a median of 25 hours after your referral; 1 of 2 on time by CMS's measure; 1 was not admitted: insurance not accepted; 1 is pending. Thank you for your referrals. — Sunrise Home Health & Hospice";
    const { renderer, server, copy } = renderCard({
      [CARD]: ok(mercyCard),
      'POST /cards/company/9001/partner-update': ok({ companyId: '9001', period: { every: 'month', from: '2026-11-01', to: '2026-11-30' }, title: 'November 2026', asOf: '2026-11-27', referrals: 4, text }),
    });
    await renderer.waitFor(() => expect(renderer.find(Button, withText('Prepare the partner update'))).toBeTruthy());
    // Nothing to copy before it is prepared.
    expect(renderer.maybeFind(Button, withText('Copy the partner update'))).toBeNull();
    renderer.find(Button, withText('Prepare the partner update')).trigger('onClick');
    await renderer.waitFor(() => expect(renderer.find(TextArea, { name: 'partnerUpdate' }).props.value).toBe(text));
    expect(renderer.find(TextArea, { name: 'partnerUpdate' }).props).toMatchObject({ readOnly: true, label: 'November 2026 so far (as of 2026-11-27)' });
    expect(server.sent.at(-1)).toEqual({ method: 'POST', path: '/cards/company/9001/partner-update', body: {} });

    renderer.find(Button, withText('Copy the partner update')).trigger('onClick');
    await renderer.waitFor(() => expect(textOf(renderer.getRootNode())).toContain('Copied: paste it into your email or message.'));
    expect(copy).toHaveBeenCalledTimes(1);
    expect(copy).toHaveBeenCalledWith(text);
  });

  it('says so when the browser refuses the copy, and the text stays to select', async () => {
    const copy = jest.fn(async (_text: string) => {
      throw new Error('NotAllowedError');
    });
    const { renderer } = renderCard(
      {
        [CARD]: ok(mercyCard),
        'POST /cards/company/9001/partner-update': ok({ companyId: '9001', period: { every: 'month', from: '2026-11-01', to: '2026-11-30' }, title: 'November 2026', asOf: '2026-11-27', referrals: 0, text: 'In November, no referral yet.' }),
      },
      '9001',
      copy,
    );
    await renderer.waitFor(() => expect(renderer.find(Button, withText('Prepare the partner update'))).toBeTruthy());
    renderer.find(Button, withText('Prepare the partner update')).trigger('onClick');
    await renderer.waitFor(() => expect(renderer.find(Button, withText('Copy the partner update'))).toBeTruthy());
    renderer.find(Button, withText('Copy the partner update')).trigger('onClick');
    await renderer.waitFor(() => expect(textOf(renderer.getRootNode())).toContain('The browser did not allow copying: select the text and copy it.'));
    expect(renderer.find(TextArea, { name: 'partnerUpdate' }).props.value).toBe('In November, no referral yet.');
  });
});

describe('starting a pilot from the company tab', () => {
  async function openForm(routes: Parameters<typeof fakeServer>[0] = {}) {
    const rendered = renderCard({ [CARD]: ok({ ...mercyCard, pilots: { items: [], truncated: false } }), ...routes });
    await rendered.renderer.waitFor(() => expect(rendered.renderer.find(Button, withText('Start a pilot'))).toBeTruthy());
    rendered.renderer.find(Button, withText('Start a pilot')).trigger('onClick');
    await rendered.renderer.waitFor(() => expect(rendered.renderer.find(Input, { name: 'name' })).toBeTruthy());
    return rendered;
  }
  const type = (renderer: ReturnType<typeof createRenderer>, name: string, value: string) => renderer.find(Input, { name }).trigger('onChange', value as never);

  it('checks the form before sending: a name, real dates in order, 5-digit ZIPs and at least one standard', async () => {
    const { renderer, server } = await openForm();
    type(renderer, 'periodStart', '2026-12-01');
    type(renderer, 'periodEnd', '2026-11-30');
    type(renderer, 'serviceZips', '10458, 1046');
    renderer.find(Button, withText('Start pilot')).trigger('onClick');
    await renderer.waitFor(() => expect(renderer.find(Input, { name: 'name' }).props.validationMessage).toBe('Give the pilot a name.'));
    expect(renderer.find(Input, { name: 'periodEnd' }).props).toMatchObject({ error: true, validationMessage: 'The period must end on or after its start.' });
    expect(renderer.find(Input, { name: 'serviceZips' }).props.validationMessage).toBe('"1046" is not a 5-digit ZIP code.');
    expect(textOf(renderer.find(Alert, { title: 'No standard chosen' }))).toBe('Choose at least one standard.');
    expect(server.sent.filter((s) => s.method !== 'GET')).toEqual([]);
  });

  it('sends the pilot with its standards as shares, and lists the pilot the server answers', async () => {
    const { renderer, server } = await openForm({ 'POST /cards/company/9001/pilots': ok({ pilot: fastStartsPilot }) });
    type(renderer, 'name', ' Fast starts with Mercy ');
    type(renderer, 'periodStart', '2026-11-01');
    type(renderer, 'periodEnd', '2027-01-31');
    renderer.find(Select, { name: 'businessLine' }).trigger('onChange', 'home_health' as never);
    type(renderer, 'serviceZips', '10458 10467');
    renderer.find(Toggle, { name: 'soc_within_hours.enabled' }).trigger('onChange', true as never);
    await renderer.waitFor(() => expect(renderer.find(NumberInput, { name: 'soc_within_hours.hours' })).toBeTruthy());
    renderer.find(Toggle, { name: 'conversion.enabled' }).trigger('onChange', true as never);
    await renderer.waitFor(() => expect(renderer.find(NumberInput, { name: 'conversion.target' })).toBeTruthy());
    renderer.find(NumberInput, { name: 'conversion.target' }).trigger('onChange', 80 as never);
    renderer.find(Button, withText('Start pilot')).trigger('onClick');
    await renderer.waitFor(() => expect(textOf(renderer.find(Alert, { title: 'Pilot saved' }))).toBe('Pilot "Fast starts with Mercy" started.'));
    expect(server.sent.at(-1)).toEqual({
      method: 'POST',
      path: '/cards/company/9001/pilots',
      body: {
        name: 'Fast starts with Mercy',
        periodStart: '2026-11-01',
        periodEnd: '2027-01-31',
        businessLine: 'home_health',
        serviceZips: ['10458', '10467'],
        standards: [
          { metric: 'soc_within_hours', hours: 24, target: 0.9 },
          { metric: 'conversion', target: 0.8 },
        ],
      },
    });
    expect(renderer.findAll(ProgressBar)).toHaveLength(2);
    expect(renderer.maybeFind(Input, { name: 'name' })).toBeNull();
  });

  it("puts the server's 400 errors on the fields they name", async () => {
    const { renderer } = await openForm({
      'POST /cards/company/9001/pilots': failed(400, 'invalid_request', 'The request does not have the expected shape.', [
        { path: 'periodEnd', message: 'the period must end on or after its start' },
        { path: 'standards.0.target', message: 'Too big: expected number to be <=1' },
      ]),
    });
    type(renderer, 'name', 'Timely starts');
    type(renderer, 'periodStart', '2026-12-01');
    type(renderer, 'periodEnd', '2027-02-28');
    renderer.find(Toggle, { name: 'timely_initiation.enabled' }).trigger('onChange', true as never);
    await renderer.waitFor(() => expect(renderer.find(NumberInput, { name: 'timely_initiation.target' })).toBeTruthy());
    renderer.find(Button, withText('Start pilot')).trigger('onClick');
    await renderer.waitFor(() => expect(renderer.find(Input, { name: 'periodEnd' }).props.validationMessage).toBe('the period must end on or after its start'));
    expect(renderer.find(NumberInput, { name: 'timely_initiation.target' }).props.validationMessage).toBe('Too big: expected number to be <=1');
    // Still open, with what was typed.
    expect(renderer.find(Input, { name: 'name' }).props.value).toBe('Timely starts');
  });

  it('changes a pilot with PUT on its id', async () => {
    const changed = { ...fastStartsPilot, name: 'Faster starts with Mercy' };
    const { renderer, server } = renderCard({ [CARD]: ok(mercyCard), 'PUT /cards/company/9001/pilots/41': ok({ pilot: changed }) });
    await renderer.waitFor(() => expect(renderer.findAll(Button, withText('Change'))).toHaveLength(2));
    renderer.findAll(Button, withText('Change'))[0]?.trigger('onClick');
    await renderer.waitFor(() => expect(renderer.find(Input, { name: 'name' }).props.value).toBe('Fast starts with Mercy'));
    expect(renderer.find(Input, { name: 'serviceZips' }).props.value).toBe('10458, 10467');
    type(renderer, 'name', 'Faster starts with Mercy');
    renderer.find(Button, withText('Save pilot')).trigger('onClick');
    await renderer.waitFor(() => expect(textOf(renderer.find(Alert, { title: 'Pilot saved' }))).toBe('Pilot "Faster starts with Mercy" saved.'));
    expect(server.sent.at(-1)).toMatchObject({
      method: 'PUT',
      path: '/cards/company/9001/pilots/41',
      body: { name: 'Faster starts with Mercy', standards: [{ metric: 'soc_within_hours', hours: 24, target: 0.9 }, { metric: 'conversion', target: 0.8 }] },
    });
    expect(textOf(renderer.getRootNode())).toContain('Faster starts with Mercy');
  });
});
