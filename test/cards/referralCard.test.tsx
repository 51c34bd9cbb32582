import { Alert, Button, DescriptionListItem, EmptyState, ErrorState, Link, LoadingSpinner, StatusTag, StepIndicator, TextArea } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { ReferralCardView } from '../../hubspot-app/app/cards/ReferralCardView';
import { fakeServer, failed, ok } from './fakeServer';
import { admittedReferral, hospiceNonAdmit, pendingReferral } from './fixtures';
import { textOf, withText } from './text';

const PORTAL = 4410023;
const described = (renderer: ReturnType<typeof createRenderer>, label: string) => textOf(renderer.find(DescriptionListItem, { label }));

function renderCard(referralId: string, routes: Parameters<typeof fakeServer>[0]) {
  const server = fakeServer(routes);
  const copy = jest.fn(async (_text: string) => undefined);
  const renderer = createRenderer('crm.record.tab');
  renderer.render(<ReferralCardView referralId={referralId} portalId={PORTAL} api={server.api} copy={copy} />);
  return { renderer, server, copy };
}


describe('the referral card', () => {
  it('shows a spinner while the referral loads', () => {
    const { renderer } = renderCard('7001', { 'GET /cards/referral/7001': 'never' });
    expect(renderer.find(LoadingSpinner).props.label).toBe('Loading the referral');
  });

  it('shows the error with a retry, and the referral once it loads', async () => {
    const { renderer, server } = renderCard('7001', {
      'GET /cards/referral/7001': [failed(401, 'invalid_signature', 'Request refused: the signature does not match.'), ok(admittedReferral)],
    });
    await renderer.waitFor(() => expect(textOf(renderer.find(ErrorState))).toContain('Request refused: the signature does not match.'));
    expect(renderer.find(ErrorState).props.title).toBe('The referral could not be loaded');
    renderer.find(Button, withText('Try again')).trigger('onClick');
    await renderer.waitFor(() => expect(renderer.find(StepIndicator)).toBeTruthy());
    expect(server.sent).toEqual([
      { method: 'GET', path: '/cards/referral/7001', body: undefined },
      { method: 'GET', path: '/cards/referral/7001', body: undefined },
    ]);
  });

  it('says a hand-entered Referral is not from the EHR yet (the server answers 404)', async () => {
    const { renderer } = renderCard('9999', { 'GET /cards/referral/9999': failed(404, 'not_found', 'No referral with this id in this portal.') });
    await renderer.waitFor(() => expect(renderer.find(EmptyState).props.title).toBe('Not from the EHR yet'));
  });

  it('shows an admitted referral: its steps, received and SOC times, 20 hours, timely, its links and the SOC message', async () => {
    const { renderer } = renderCard('7001', { 'GET /cards/referral/7001': ok(admittedReferral) });
    await renderer.waitFor(() => expect(renderer.find(StepIndicator)).toBeTruthy());
    expect(renderer.find(StepIndicator).props).toMatchObject({ stepNames: ['Received', 'Accepted', 'SOC scheduled', 'Admitted'], currentStep: 3 });
    const text = textOf(renderer.getRootNode());
    expect(text).toContain('Referral 2026-11-26 · Mercy General Hospital · Home health');
    expect(described(renderer, 'Received')).toBe('2026-11-26 10:00');
    expect(described(renderer, 'Care started')).toBe('2026-11-27 06:00');
    expect(described(renderer, 'Hours to start of care')).toBe('20 h');
    expect(renderer.find(StatusTag, withText('Timely')).props.variant).toBe('success');
    expect(renderer.find(Link, withText('Referral source')).props.href).toEqual({ url: `https://app.hubspot.com/contacts/${PORTAL}/record/0-2/9001`, external: false });
    expect(renderer.find(Link, withText('Referring clinician')).props.href).toEqual({ url: `https://app.hubspot.com/contacts/${PORTAL}/record/0-1/8801`, external: false });
    expect(renderer.find(TextArea, { name: 'closeTheLoop' }).props).toMatchObject({ readOnly: true, label: 'Start of care update', value: admittedReferral.closeTheLoop?.message });
    // Due Monday 11-30 10:00 in New York.
    expect(text).toContain('From the follow-up task due 2026-11-30 (open).');
    expect(renderer.maybeFind(Alert)).toBeNull();
  });

  it('copies the close-the-loop message with HubSpot\'s clipboard action', async () => {
    const { renderer, copy } = renderCard('7001', { 'GET /cards/referral/7001': ok(admittedReferral) });
    await renderer.waitFor(() => expect(renderer.find(Button, withText('Copy the message'))).toBeTruthy());
    expect(copy).not.toHaveBeenCalled();
    renderer.find(Button, withText('Copy the message')).trigger('onClick');
    await renderer.waitFor(() => expect(textOf(renderer.getRootNode())).toContain('Copied: paste it into your email or message.'));
    expect(copy).toHaveBeenCalledWith(admittedReferral.closeTheLoop?.message);
  });

  it('shows a hospice referral not taken under care: the reason, what to offer, and the message composed now', async () => {
    const { renderer } = renderCard('7003', { 'GET /cards/referral/7003': ok(hospiceNonAdmit) });
    await renderer.waitFor(() => expect(renderer.find(StepIndicator)).toBeTruthy());
    expect(renderer.find(StepIndicator).props).toMatchObject({ stepNames: ['Received', 'Not taken under care'], currentStep: 1 });
    expect(renderer.find(Alert).props.title).toBe('Not taken under care: Insurance not accepted / no authorization');
    expect(textOf(renderer.find(Alert))).toBe("We can suggest an agency in the patient's plan network, or go over other ways to cover care.");
    const text = textOf(renderer.getRootNode());
    expect(described(renderer, 'Hours to start of care')).toBe('—');
    expect(described(renderer, 'Care started')).toBe('—');
    expect(text).toContain('No referring clinician');
    expect(text).toContain('No follow-up task carried this message; it is written from the referral as it stands.');
    expect(renderer.find(TextArea, { name: 'closeTheLoop' }).props.value).toBe(hospiceNonAdmit.closeTheLoop?.message);
  });

  it('has nothing to tell the source while the referral is pending', async () => {
    const { renderer } = renderCard('7004', { 'GET /cards/referral/7004': ok(pendingReferral) });
    await renderer.waitFor(() => expect(renderer.find(StepIndicator)).toBeTruthy());
    expect(renderer.find(StepIndicator).props).toMatchObject({ currentStep: 0 });
    expect(renderer.maybeFind(TextArea)).toBeNull();
    const text = textOf(renderer.getRootNode());
    expect(text).toContain('Nothing to tell the source yet: the referral has not been admitted or turned down.');
    expect(text).toContain('No referral source matched yet');
  });

  it('shows a cancelled referral as cancelled by the source', async () => {
    const cancelled = { ...pendingReferral, status: 'cancelled', statusHistory: { items: [...pendingReferral.statusHistory.items, { status: 'cancelled', label: 'Cancelled', at: '2026-11-27T09:00:00.000-05:00', local: '2026-11-27 09:00' }], truncated: false } };
    const { renderer } = renderCard('7004', { 'GET /cards/referral/7004': ok(cancelled) });
    await renderer.waitFor(() => expect(renderer.find(StepIndicator).props).toMatchObject({ stepNames: ['Received', 'Cancelled by the source'], currentStep: 1 }));
  });
});

