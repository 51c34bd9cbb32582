import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Keys that may carry protected health information or secrets. Whatever object a log line carries, these are
 * replaced before the line is written (DESIGN.md: logs never carry PHI).
 */
const sensitiveKeys = [
  'patient',
  'patientName',
  'firstName',
  'lastName',
  'name',
  'dateOfBirth',
  'dob',
  'birthDate',
  'mrn',
  'medicalRecordNumber',
  'memberId',
  'ssn',
  'diagnosis',
  'diagnoses',
  'note',
  'notes',
  'address',
  'phone',
  'email',
  'accessToken',
  'authorization',
  'password',
  'secret',
];

export const redactPaths = [
  ...sensitiveKeys,
  ...sensitiveKeys.map((key) => `*.${key}`),
  ...sensitiveKeys.map((key) => `*.*.${key}`),
  'req.headers.authorization',
  'req.headers["x-hubspot-signature-v3"]',
];

export interface LoggerOptions {
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: pino.DestinationStream;
  /** Human-readable lines (pino-pretty) instead of JSON. */
  pretty?: boolean;
}

/** The one logger factory: structured JSON lines, PHI keys redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const settings: pino.LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: 'referralynx' },
    redact: { paths: redactPaths, censor: '[redacted]' },
  };
  if (options.destination) return pino(settings, options.destination);
  if (options.pretty) {
    return pino({ ...settings, transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss' } } });
  }
  return pino(settings);
}

/**
 * What of an unexpected error may be logged: its type, code and where it was thrown, not its message. Messages of
 * library errors can quote data (a PostgreSQL unique violation quotes the key's value), and data may be PHI.
 */
export function describeErrorSafely(error: unknown): { type: string; code?: string; at: string[] } {
  if (!(error instanceof Error)) return { type: typeof error, at: [] };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}),
    at: (error.stack ?? '')
      .split('\n')
      .filter((line) => line.trimStart().startsWith('at '))
      .slice(0, 8)
      .map((line) => line.trim()),
  };
}
