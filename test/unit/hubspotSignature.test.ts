import {
  hubSpotRequestUri,
  signHubSpotRequest,
  verifyHubSpotRequest,
  verifyHubSpotSignature,
  type SignedRequest,
} from '../../src/hubspot/signature';

/**
 * The expected signatures were computed outside this code base, with openssl:
 *   printf '%s' "$method$uri$body$timestamp" | openssl dgst -sha256 -hmac "$secret" -binary | base64
 */
const SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const AT = 1_764_255_600_000; // 2025-11-27T15:00:00Z
const BODY =
  '[{"eventId":1,"subscriptionId":2,"portalId":62515,"occurredAt":1764255600000,"subscriptionType":"object.creation","objectId":"123"}]';
const webhook: SignedRequest = {
  method: 'POST',
  uri: 'https://referralynx.example.com/webhooks/hubspot',
  rawBody: BODY,
  timestamp: String(AT),
  signature: 'SbenwXppXCzhlJfaUV/cnaAEFBJ5Od+PvKOqJMlXriA=',
};

describe("verifying HubSpot's v3 request signature", () => {
  it('accepts a webhook signed with the app secret, up to exactly five minutes later', () => {
    expect(verifyHubSpotSignature(SECRET, webhook, AT)).toEqual({ ok: true });
    expect(verifyHubSpotSignature(SECRET, webhook, AT + 5 * 60_000)).toEqual({ ok: true });
    expect(signHubSpotRequest(SECRET, { ...webhook, timestamp: String(AT) })).toBe(webhook.signature);
  });

  it('refuses a signature made with another secret', () => {
    expect(verifyHubSpotSignature('zzzzzzzz-yyyy-yyyy-yyyy-yyyyyyyyyyyy', webhook, AT)).toEqual({
      ok: false,
      reason: 'the signature does not match',
    });
  });

  it('refuses a body changed by one byte', () => {
    const changed = { ...webhook, rawBody: BODY.replace('"objectId":"123"', '"objectId":"124"') };
    expect(verifyHubSpotSignature(SECRET, changed, AT)).toEqual({ ok: false, reason: 'the signature does not match' });
  });

  it('refuses a request five minutes and one millisecond old, and one from more than five minutes ahead', () => {
    expect(verifyHubSpotSignature(SECRET, webhook, AT + 5 * 60_000 + 1)).toEqual({
      ok: false,
      reason: 'the request timestamp is more than five minutes old',
    });
    expect(verifyHubSpotSignature(SECRET, webhook, AT - 5 * 60_000 - 1)).toEqual({
      ok: false,
      reason: 'the request timestamp is in the future',
    });
    expect(verifyHubSpotSignature(SECRET, webhook, AT - 5 * 60_000)).toEqual({ ok: true });
  });

  it('refuses a request without its headers, or with a timestamp that is not milliseconds', () => {
    expect(verifyHubSpotSignature(SECRET, { ...webhook, signature: undefined }, AT)).toEqual({
      ok: false,
      reason: 'the x-hubspot-signature-v3 header is missing',
    });
    expect(verifyHubSpotSignature(SECRET, { ...webhook, timestamp: undefined }, AT)).toEqual({
      ok: false,
      reason: 'the x-hubspot-request-timestamp header is missing',
    });
    expect(verifyHubSpotSignature(SECRET, { ...webhook, timestamp: '1764255600000.0' }, AT)).toEqual({
      ok: false,
      reason: 'the request timestamp is not a number of milliseconds',
    });
  });

  it('refuses a signature of another length without comparing it, and another spelling of the same bytes', () => {
    const given = webhook.signature ?? '';
    expect(verifyHubSpotSignature(SECRET, { ...webhook, signature: given.slice(0, -1) }, AT)).toEqual({
      ok: false,
      reason: 'the signature does not match',
    });
    expect(verifyHubSpotSignature(SECRET, { ...webhook, signature: `${given}\n` }, AT)).toEqual({
      ok: false,
      reason: 'the signature does not match',
    });
    // Unpadded base64 decodes to the same 32 bytes; HubSpot sends the padded form, so only that is accepted.
    expect(verifyHubSpotSignature(SECRET, { ...webhook, signature: given.replace(/=$/, '') }, AT)).toEqual({
      ok: false,
      reason: 'the signature does not match',
    });
  });

  it('signs the URI HubSpot called: the public origin, the path and query, its set of escapes decoded', () => {
    expect(hubSpotRequestUri('https://referralynx.example.com/', '/cards/scorecard?companyId=42&note=a%3ab')).toBe(
      'https://referralynx.example.com/cards/scorecard?companyId=42&note=a:b',
    );
    // %20 and %26 are not in HubSpot's table: they stay as sent.
    expect(hubSpotRequestUri('https://x.example.org', '/p?q=a%20b%26c%2Cd')).toBe('https://x.example.org/p?q=a%20b%26c,d');
    const card = { method: 'GET', originalUrl: '/cards/scorecard?companyId=42&note=a%3Ab' };
    const headers: Record<string, string> = {
      'x-hubspot-signature-v3': 'XcgZklIFPpKJbve26yZ9Rj2EfZUV54nJ9NrPs7jAPaI=',
      'x-hubspot-request-timestamp': String(AT),
    };
    const check = verifyHubSpotRequest({ ...card, get: (name) => headers[name.toLowerCase()] }, '', {
      secret: SECRET,
      publicBaseUrl: 'https://referralynx.example.com',
      nowMs: AT + 1_000,
    });
    expect(check).toEqual({ ok: true });
  });
});
