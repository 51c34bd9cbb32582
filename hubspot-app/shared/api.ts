import { hubspot } from '@hubspot/ui-extensions';
import server from './server.json';
import type {
  ApiErrorBody,
  CheckInLogged,
  CompanyCard,
  PartnerUpdate,
  PilotDraft,
  PilotLine,
  ReferralCard,
  SettingsChange,
  SettingsPage,
  SettingsSaved,
} from './types';

/**
 * The one caller of `hubspot.fetch` (STYLE.md, HubSpot's card examples): every card and the settings page reach the
 * Referralynx server through `createApi`, and tests hand it a fetcher of their own, since `@hubspot/ui-extensions/testing`
 * does not mock hubspot.fetch.
 *
 * The server's origin comes from server.json, which `referralynx hubspot-project --public-url` writes together with
 * the app's permittedUrls.fetch; HubSpot refuses any origin not listed there.
 * hubspot.fetch: https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensibility/fetching-data
 * (JSON bodies only, 1 MB answers, about 15 s; HubSpot signs the request and adds portalId and userId to the URL).
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT';

/** What the API needs of an HTTP answer; hubspot.fetch's Response has it. */
export interface FetchAnswer {
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}

export type Fetcher = (url: string, init: { method: HttpMethod; body?: Record<string, unknown> }) => Promise<FetchAnswer>;

/** A call that failed: the server's `{ error: { code, message, errors } }`, or what went wrong on the way (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const hubspotFetcher: Fetcher = (url, init) => hubspot.fetch(url, { method: init.method, ...(init.body ? { body: init.body } : {}) });

/** The server origin configured for this project (server.json). */
export const SERVER_BASE_URL: string = server.baseUrl;

const isErrorBody = (value: unknown): value is ApiErrorBody =>
  typeof value === 'object' && value !== null && 'error' in value && typeof (value as ApiErrorBody).error?.message === 'string';

export function createApi(fetcher: Fetcher = hubspotFetcher, baseUrl: string = SERVER_BASE_URL) {
  const call = async <T>(method: HttpMethod, path: string, body?: object): Promise<T> => {
    let answer: FetchAnswer;
    try {
      answer = await fetcher(`${baseUrl}${path}`, { method, ...(body ? { body: body as Record<string, unknown> } : {}) });
    } catch (error) {
      throw new ApiError(0, 'unreachable', `The Referralynx server could not be reached (${error instanceof Error ? error.message : String(error)}).`);
    }
    const json: unknown = await answer.json().catch(() => undefined);
    if (!answer.ok) {
      if (isErrorBody(json)) throw new ApiError(answer.status, json.error.code, json.error.message, json.error.errors ?? []);
      throw new ApiError(answer.status, 'http_error', `The Referralynx server answered ${answer.status}.`);
    }
    if (json === undefined) throw new ApiError(answer.status, 'invalid_answer', 'The Referralynx server answered without JSON.');
    return json as T;
  };
  const company = (companyId: string) => `/cards/company/${encodeURIComponent(companyId)}`;
  return {
    companyCard: (companyId: string) => call<CompanyCard>('GET', company(companyId)),
    logCheckIn: (companyId: string, note?: string) => call<CheckInLogged>('POST', `${company(companyId)}/check-ins`, note ? { note } : {}),
    partnerUpdate: (companyId: string) => call<PartnerUpdate>('POST', `${company(companyId)}/partner-update`, {}),
    startPilot: (companyId: string, pilot: PilotDraft) => call<{ pilot: PilotLine }>('POST', `${company(companyId)}/pilots`, pilot),
    updatePilot: (companyId: string, pilotId: number, pilot: PilotDraft) =>
      call<{ pilot: PilotLine }>('PUT', `${company(companyId)}/pilots/${encodeURIComponent(String(pilotId))}`, pilot),
    referralCard: (referralId: string) => call<ReferralCard>('GET', `/cards/referral/${encodeURIComponent(referralId)}`),
    settings: () => call<SettingsPage>('GET', '/cards/settings'),
    saveSettings: (change: SettingsChange) => call<SettingsSaved>('PUT', '/cards/settings', change),
    retrySync: () => call<{ queued: number }>('POST', '/cards/settings/sync-retry', {}),
    mapSource: (source: { objectType: 'companies' | 'contacts'; ref: string; hubspotId: string }) =>
      call<{ displayName: string; hubspotId: string; referralsQueued: number }>('POST', '/cards/settings/sources/map', source),
  };
}

export type Api = ReturnType<typeof createApi>;

export function toApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, 'unexpected', error instanceof Error ? error.message : String(error));
}
