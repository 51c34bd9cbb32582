/**
 * An error a route throws on purpose: it becomes `{ error: { code, message, errors? } }` with its status.
 * Codes are snake_case (STYLE.md).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: Array<{ path: string; message: string }>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface ErrorBody {
  error: { code: string; message: string; errors?: Array<{ path: string; message: string }> };
}
