import { z } from 'zod';

/**
 * HubSpot's error body: {status:"error", message, correlationId, category, errors?, context?}; 429s add policyName.
 * https://developers.hubspot.com/docs/api-reference/error-handling
 */
export const hubSpotErrorBodySchema = z
  .object({
    status: z.string().optional(),
    message: z.string().optional(),
    correlationId: z.string().optional(),
    category: z.string().optional(),
    errorType: z.string().optional(),
    policyName: z.string().optional(),
    context: z.record(z.string(), z.unknown()).optional(),
    errors: z
      .array(
        z
          .object({
            message: z.string().optional(),
            code: z.string().optional(),
            context: z.record(z.string(), z.unknown()).optional(),
          })
          .loose(),
      )
      .optional(),
  })
  .loose();

export type HubSpotErrorBody = z.infer<typeof hubSpotErrorBodySchema>;

/** A request HubSpot answered with an error that retrying will not fix. */
export class HubSpotApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: HubSpotErrorBody,
    readonly request: { method: string; path: string },
    message?: string,
  ) {
    super(
      message ??
        `HubSpot answered ${status}${body.category ? ` ${body.category}` : ''} to ${request.method} ${request.path}: ${
          body.message ?? 'no message'
        }`,
    );
    this.name = 'HubSpotApiError';
  }

  get category(): string | undefined {
    return this.body.category;
  }
}

/** 401: the token is wrong, revoked, or belongs to another portal. */
export class HubSpotAuthError extends HubSpotApiError {
  constructor(status: number, body: HubSpotErrorBody, request: { method: string; path: string }) {
    super(
      status,
      body,
      request,
      'HubSpot rejected the access token (401 INVALID_AUTHENTICATION). Set HUBSPOT_ACCESS_TOKEN to the access token ' +
        "of the Referralynx app in your portal (the app's Auth tab), or unset it to use the local CRM sandbox.",
    );
    this.name = 'HubSpotAuthError';
  }
}

/** 403 MISSING_SCOPES: the app was installed without a scope this call needs. */
export class HubSpotMissingScopesError extends HubSpotApiError {
  constructor(
    readonly missingScopes: string[],
    status: number,
    body: HubSpotErrorBody,
    request: { method: string; path: string },
  ) {
    super(
      status,
      body,
      request,
      `The HubSpot app is missing the scope${missingScopes.length === 1 ? '' : 's'} ${missingScopes.join(', ')}. ` +
        'Add them to requiredScopes in hubspot-app/app/app-hsmeta.json, run `hs project upload`, and approve the ' +
        'new scopes in the app settings; the access token then carries them.',
    );
    this.name = 'HubSpotMissingScopesError';
  }
}

/** The daily request budget is spent: waiting seconds does not help, so the caller must stop until tomorrow. */
export class HubSpotDailyLimitError extends HubSpotApiError {
  constructor(status: number, body: HubSpotErrorBody, request: { method: string; path: string }) {
    super(
      status,
      body,
      request,
      "HubSpot's daily API limit for this portal is spent (429 DAILY); it resets at midnight in the portal's time zone.",
    );
    this.name = 'HubSpotDailyLimitError';
  }
}

/** Retries ran out on something that is normally passing (429s, 5xx, network). */
export class HubSpotUnavailableError extends Error {
  constructor(
    readonly request: { method: string; path: string },
    readonly attempts: number,
    readonly lastProblem: string,
  ) {
    super(`HubSpot did not answer ${request.method} ${request.path} after ${attempts} attempts: ${lastProblem}`);
    this.name = 'HubSpotUnavailableError';
  }
}

export function scopesFrom(body: HubSpotErrorBody): string[] {
  const scopes = new Set<string>();
  for (const error of body.errors ?? []) {
    const required = error.context?.requiredGranularScopes ?? error.context?.requiredScopes;
    if (Array.isArray(required)) for (const scope of required) scopes.add(String(scope));
  }
  return [...scopes].sort();
}
