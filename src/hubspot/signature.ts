import crypto from 'node:crypto';

/**
 * HubSpot's v3 request signature, on webhooks and on the cards' hubspot.fetch calls alike:
 * X-HubSpot-Signature-v3 = base64(HMAC-SHA256(app secret, method + URI + raw body + timestamp)), where the timestamp
 * is X-HubSpot-Request-Timestamp (Unix milliseconds) and the URI the full URL HubSpot called.
 * https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation
 *
 * Written here rather than taken from @hubspot/api-client: its Signature.isValid throws on a stale timestamp and
 * compares with === (DESIGN.md). Pure: the time is an argument.
 */
export const HUBSPOT_SIGNATURE_HEADER = 'x-hubspot-signature-v3';
export const HUBSPOT_TIMESTAMP_HEADER = 'x-hubspot-request-timestamp';
/** HubSpot's rule: refuse a request whose timestamp is more than five minutes old. */
export const HUBSPOT_SIGNATURE_MAX_AGE_MS = 5 * 60 * 1000;
/** A timestamp this far ahead of our clock is no clock skew but a request made to be replayed later. */
export const HUBSPOT_SIGNATURE_MAX_AHEAD_MS = 5 * 60 * 1000;

export interface SignedRequest {
  method: string;
  /** The full URL HubSpot called (see hubSpotRequestUri). */
  uri: string;
  /** The body exactly as received, before any JSON parsing ('' when there is none). */
  rawBody: string;
  signature: string | undefined;
  timestamp: string | undefined;
}

export type HubSpotSignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * HubSpot signs the URI with these characters decoded (the documentation's table: %3A %2F %3F %40 %21 %24 %27 %28
 * %29 %2A %2C %3B), every other escape left as it was sent.
 */
const DECODED_IN_URI: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/**
 * The URI HubSpot signed: the server's public origin (HubSpot calls it, not the address a proxy forwards to) and the
 * path and query as received, with HubSpot's set of escapes decoded.
 */
export function hubSpotRequestUri(publicBaseUrl: string, originalUrl: string): string {
  const uri = `${publicBaseUrl.replace(/\/+$/, '')}${originalUrl}`;
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (escape) => DECODED_IN_URI[escape.toUpperCase()] ?? escape);
}

/** The signature HubSpot would send for this request (what the tests and local tools sign with). */
export function signHubSpotRequest(secret: string, request: Omit<SignedRequest, 'signature' | 'timestamp'> & { timestamp: string }): string {
  return crypto
    .createHmac('sha256', secret)
    .update(`${request.method.toUpperCase()}${request.uri}${request.rawBody}${request.timestamp}`, 'utf8')
    .digest('base64');
}

export function verifyHubSpotSignature(secret: string, request: SignedRequest, nowMs: number): HubSpotSignatureCheck {
  if (!request.signature) return { ok: false, reason: `the ${HUBSPOT_SIGNATURE_HEADER} header is missing` };
  if (!request.timestamp) return { ok: false, reason: `the ${HUBSPOT_TIMESTAMP_HEADER} header is missing` };
  if (!/^\d{1,15}$/.test(request.timestamp)) return { ok: false, reason: 'the request timestamp is not a number of milliseconds' };
  const age = nowMs - Number(request.timestamp);
  if (age > HUBSPOT_SIGNATURE_MAX_AGE_MS) return { ok: false, reason: 'the request timestamp is more than five minutes old' };
  if (-age > HUBSPOT_SIGNATURE_MAX_AHEAD_MS) return { ok: false, reason: 'the request timestamp is in the future' };
  // Compared as the base64 text HubSpot sends: decoding first would accept other spellings of the same bytes.
  const expected = Buffer.from(signHubSpotRequest(secret, { ...request, timestamp: request.timestamp }), 'utf8');
  const given = Buffer.from(request.signature, 'utf8');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'the signature does not match' };
  }
  return { ok: true };
}

/** What a signed-request check reads from an incoming request (an Express request has all of it). */
export interface IncomingRequest {
  method: string;
  originalUrl: string;
  get(header: string): string | undefined;
}

/** Checks an incoming request's v3 signature; `rawBody` is the body as received. */
export function verifyHubSpotRequest(
  request: IncomingRequest,
  rawBody: string,
  options: { secret: string; publicBaseUrl: string; nowMs: number },
): HubSpotSignatureCheck {
  return verifyHubSpotSignature(
    options.secret,
    {
      method: request.method,
      uri: hubSpotRequestUri(options.publicBaseUrl, request.originalUrl),
      rawBody,
      signature: request.get(HUBSPOT_SIGNATURE_HEADER),
      timestamp: request.get(HUBSPOT_TIMESTAMP_HEADER),
    },
    options.nowMs,
  );
}
