/**
 * HubSpot's error bodies, as the sandbox answers them.
 *
 * Shape: {status: "error", message, correlationId, category, subCategory?, errors?, context?, links?}
 * https://developers.hubspot.com/docs/api-reference/error-handling ("the fields in the example response should all
 * be treated as optional"; CRM object APIs add errors[] with message, code and context).
 */

export type ErrorContext = Record<string, string[]>;

export interface ErrorDetail {
  message: string;
  code?: string;
  in?: string;
  context?: ErrorContext;
  subCategory?: string;
}

export interface HubSpotErrorBody {
  status: 'error';
  message: string;
  correlationId: string;
  category: string;
  subCategory?: string;
  errors?: ErrorDetail[];
  context?: ErrorContext;
  links?: Record<string, string>;
}

/** One failed input of a batch, as listed in a 207 response's errors[] (no correlationId of its own). */
export interface BatchItemError {
  status: 'error';
  category: string;
  message: string;
  context: ErrorContext;
  errors?: ErrorDetail[];
  subCategory?: string;
}

interface HubSpotErrorExtra {
  errors?: ErrorDetail[];
  context?: ErrorContext;
  links?: Record<string, string>;
  subCategory?: string;
}

/** Thrown by the sandbox's handlers; the error handler in index.ts answers it as HubSpot would. */
export class HubSpotError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly category: string,
    message: string,
    readonly extra: HubSpotErrorExtra = {},
  ) {
    super(message);
    this.name = 'HubSpotError';
  }

  toBody(correlationId: string): HubSpotErrorBody {
    return { status: 'error', message: this.message, correlationId, category: this.category, ...this.extra };
  }

  /** The same error as one item of a batch response, with the context that names the failed input. */
  toBatchItem(context: ErrorContext): BatchItemError {
    const { errors, subCategory } = this.extra;
    return {
      status: 'error',
      category: this.category,
      message: this.message,
      context: { ...this.extra.context, ...context },
      ...(errors ? { errors } : {}),
      ...(subCategory ? { subCategory } : {}),
    };
  }
}

export const validationError = (message: string, extra: HubSpotErrorExtra = {}) =>
  new HubSpotError(400, 'VALIDATION_ERROR', message, extra);

export const notFound = (message: string, extra: HubSpotErrorExtra = {}) =>
  new HubSpotError(404, 'OBJECT_NOT_FOUND', message, extra);

/** A problem with one property value, in the form HubSpot lists inside "Property values were not valid: [...]". */
export interface PropertyProblem {
  name: string;
  /** HubSpot's error code, e.g. PROPERTY_DOESNT_EXIST, INVALID_OPTION, READ_ONLY_VALUE. */
  code: string;
  message: string;
}

/**
 * Invalid property values on a record write. HubSpot's documented example (multi-status section of
 * https://developers.hubspot.com/docs/api-reference/error-handling): message
 * `Property values were not valid: [{"isValid":false,"message":"Property \"missing\" does not exist",
 * "error":"PROPERTY_DOESNT_EXIST","name":"missing","localizedErrorMessage":"..."}]`, category VALIDATION_ERROR; the
 * CRM object APIs add errors[] with {message, code, context: {propertyName: [...]}}.
 */
export function invalidPropertyValues(problems: readonly PropertyProblem[]): HubSpotError {
  const listed = problems.map((p) => ({
    isValid: false,
    message: p.message,
    error: p.code,
    name: p.name,
    localizedErrorMessage: p.message,
  }));
  return validationError(`Property values were not valid: ${JSON.stringify(listed)}`, {
    errors: problems.map((p) => ({ message: p.message, code: p.code, context: { propertyName: [p.name] } })),
  });
}

/** HubSpot's body for a malformed request body (wrong JSON types, missing required fields). */
export function invalidInput(details: string): HubSpotError {
  return validationError(`Invalid input JSON: ${details}`);
}

/**
 * 401 for a missing or unknown token. Body as HubSpot answers it (quoted in
 * https://github.com/HubSpot/hubspot-api-nodejs/issues/148 and #432):
 * "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details
 * at https://developers.hubspot.com/docs/methods/auth/oauth-overview", category INVALID_AUTHENTICATION.
 */
export function invalidAuthentication(): HubSpotError {
  return new HubSpotError(
    401,
    'INVALID_AUTHENTICATION',
    'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
  );
}

/**
 * 403 for a token without the scope an endpoint needs
 * (https://developers.hubspot.com/docs/api-reference/error-handling, 403 Forbidden). Body as HubSpot answers it
 * (https://github.com/HubSpot/hubspot-api-nodejs/issues/268, with today's requiredGranularScopes key): errors[0]
 * lists the scopes of which any one would do.
 */
export function missingScopes(anyOf: readonly string[]): HubSpotError {
  return new HubSpotError(
    403,
    'MISSING_SCOPES',
    "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
    {
      errors: [
        {
          message: 'One or more of the following scopes are required.',
          context: { requiredGranularScopes: [...anyOf] },
        },
      ],
      links: { scopes: 'https://developers.hubspot.com/scopes' },
    },
  );
}
