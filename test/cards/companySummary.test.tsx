import { Button, EmptyState, ErrorState, LoadingSpinner, StatisticsItem, StatusTag } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { CompanySummaryView } from '../../hubspot-app/app/cards/CompanySummaryView';
import { fakeServer, failed, ok } from './fakeServer';
import { mercyCard, newSourceCard } from './fixtures';
import { textOf, withText } from './text';

function renderSidebar(companyId: string, routes: Parameters<typeof fakeServer>[0]) {
  const server = fakeServer(routes);
  const renderer = createRenderer('crm.record.sidebar');
  renderer.render(<CompanySummaryView companyId={companyId} api={server.api} />);
  return { renderer, server };
}

describe('the company sidebar summary', () => {
  it('shows a spinner while it loads', () => {
    const { renderer } = renderSidebar('9001', { 'GET /cards/company/9001': 'never' });
    expect(renderer.find(LoadingSpinner).props.label).toBe('Loading the referral summary');
  });

  it('shows the error with a retry', async () => {
    const { renderer, server } = renderSidebar('9001', { 'GET /cards/company/9001': [failed(502, 'http_error', 'Bad gateway.'), ok(mercyCard)] });
    await renderer.waitFor(() => expect(textOf(renderer.find(ErrorState))).toContain('Bad gateway.'));
    renderer.find(Button, withText('Try again')).trigger('onClick');
    await renderer.waitFor(() => expect(renderer.findAll(StatisticsItem)).toHaveLength(3));
    expect(server.sent).toHaveLength(2);
  });

  it('says so for a company with no referral, and for a source without a scorecard yet', async () => {
    const none = renderSidebar('777', { 'GET /cards/company/777': failed(404, 'not_found', 'No referral source with this id in this portal.') });
    await none.renderer.waitFor(() => expect(none.renderer.find(EmptyState).props.title).toBe('No referrals yet'));
    const fresh = renderSidebar('9002', { 'GET /cards/company/9002': ok(newSourceCard) });
    await fresh.renderer.waitFor(() => expect(fresh.renderer.find(EmptyState).props.title).toBe('No scorecard yet'));
  });

  it('shows the three numbers of the last 90 days, the tier and the next check-in', async () => {
    const { renderer } = renderSidebar('9001', { 'GET /cards/company/9001': ok(mercyCard) });
    await renderer.waitFor(() => expect(renderer.findAll(StatisticsItem)).toHaveLength(3));
    expect(renderer.findAll(StatisticsItem).map((s) => [s.props.label, s.props.number])).toEqual([
      ['Referrals, 90 days', 6],
      ['Conversion, 90 days', '75%'],
      ['Median hours to SOC', '30 h'],
    ]);
    expect(textOf(renderer.find(StatusTag))).toBe('Tier B · regular source');
    expect(textOf(renderer.getRootNode())).toContain('Next check-in 2026-10-31');
  });
});
