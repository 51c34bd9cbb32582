import path from 'node:path';
import { z } from 'zod';

/**
 * Every environment variable the product reads, in one schema, parsed once at start-up.
 * Nothing else in the code base reads `process.env`.
 */
const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const postgresUrl = z
  .string()
  .trim()
  .refine((value) => /^postgres(ql)?:\/\//.test(value) && URL.canParse(value), {
    message: 'must be a postgres:// or postgresql:// URL, e.g. postgres://user:password@host:5432/referralynx',
  });

const httpOrigin = z
  .string()
  .trim()
  .refine((value) => /^https?:\/\//.test(value) && URL.canParse(value), {
    message: 'must be an http(s) URL, e.g. https://api.hubapi.com',
  })
  .transform((value) => value.replace(/\/+$/, ''));

const port = z.coerce.number().int().min(0).max(65535);

export const envSchema = z.object({
  DATABASE_URL: z.preprocess((v) => (v === '' ? undefined : v), postgresUrl.optional()),
  REFERRALYNX_DATA_DIR: z.string().trim().min(1).default('.referralynx'),
  REFERRALYNX_EMBEDDED_PG_PORT: port.default(54329),
  HUBSPOT_ACCESS_TOKEN: optionalString,
  HUBSPOT_API_BASE_URL: httpOrigin.default('https://api.hubapi.com'),
  /** Requests per rolling 10 seconds: 190 on Professional and Enterprise, 100 on Free/Starter, 250 with the API add-on. */
  HUBSPOT_REQUESTS_PER_10S: z.coerce.number().int().min(1).max(1000).default(190),
  /** CRM search requests per second (HubSpot allows 5 per app). */
  HUBSPOT_SEARCH_REQUESTS_PER_S: z.coerce.number().int().min(1).max(50).default(5),
  HUBSPOT_APP_SECRET: optionalString,
  PORT: port.default(3000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  /** The HTTPS origin HubSpot reaches the server at (cards' hubspot.fetch, webhooks). */
  PUBLIC_BASE_URL: z.preprocess((v) => (v === '' ? undefined : v), httpOrigin.optional()),
  REFERRALYNX_SANDBOX_PORT: port.default(3001),
  /** The MLLP listener for HL7 v2 feeds (an interface engine connects here); "off" to run without it. */
  REFERRALYNX_MLLP_PORT: z.union([z.literal('off'), port]).default(2575),
  /** The address the MLLP listener binds: the interface your interface engine reaches (default: HOST). */
  REFERRALYNX_MLLP_HOST: optionalString,
  /** A FHIR R4 server to poll for ServiceRequest, Task, EpisodeOfCare, Encounter and Coverage changes. */
  FHIR_BASE_URL: z.preprocess((v) => (v === '' ? undefined : v), httpOrigin.optional()),
  /** The Authorization header value for that server, e.g. "Bearer eyJ…". */
  FHIR_AUTHORIZATION: optionalString,
  /** When to poll it (cron syntax, server time). */
  FHIR_POLL_SCHEDULE: z.string().trim().min(9).default('*/5 * * * *'),
  /** Replay the synthetic demo agency into the database at start: "auto" does it with the local sandbox only. */
  REFERRALYNX_DEMO: z.enum(['auto', 'on', 'off']).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** "pretty" for people at a terminal, "json" for log collectors; "auto" picks pretty when stdout is a terminal. */
  LOG_FORMAT: z.enum(['auto', 'pretty', 'json']).default('auto'),
});

export type Env = z.infer<typeof envSchema>;

export interface AppConfig {
  env: Env;
  /** Absolute path of the data directory (embedded PostgreSQL lives under it). */
  dataDir: string;
  /** True when no HubSpot token is set: the local CRM sandbox stands in for HubSpot. */
  useSandbox: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment, failing with one readable list of everything that needs fixing. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AppConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const env = parsed.data;
  return {
    env,
    dataDir: path.resolve(cwd, env.REFERRALYNX_DATA_DIR),
    useSandbox: env.HUBSPOT_ACCESS_TOKEN === undefined,
  };
}
