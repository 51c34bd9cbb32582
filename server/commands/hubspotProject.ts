import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * What the checker and the configure command share about the HubSpot project (hsproject.json + hubspot-app/):
 * where it lives, the platform version it is written for, and how its files are found, read and written.
 * Project format: https://developers.hubspot.com/docs/apps/developer-platform/build-apps/app-configuration
 */

export const PROJECT_FILE = 'hsproject.json';
export const PROJECT_SRC_DIR = 'hubspot-app';
export const PLATFORM_VERSION = '2026.03';
/** The server route HubSpot posts webhook events to (the webhooks component's settings.targetUrl). */
export const HUBSPOT_WEBHOOK_PATH = '/webhooks/hubspot';
const META_FILE_SUFFIX = '-hsmeta.json';
/**
 * The server origin the cards and the settings page call with hubspot.fetch, from the source directory: the one file
 * of the extensions' code that names it (hubspot-app/shared/api.ts imports it), kept equal to permittedUrls.fetch.
 */
export const SERVER_CONFIG_FILE = 'shared/server.json';
export const serverConfigSchema = z.strictObject({ baseUrl: z.string() });

/** A problem with the project files or with what the user asked for: the CLI prints the message, no stack. */
export class HubSpotProjectError extends Error {
  override name = 'HubSpotProjectError';
}

const projectConfigSchema = z.object({
  name: z.string().min(1),
  srcDir: z.string().min(1),
  platformVersion: z.string().min(1),
});
type ProjectConfig = z.infer<typeof projectConfigSchema>;

/** A *-hsmeta.json file: HubSpot accepts the keys uid, type and config (and nothing else on 2026.03). */
export const metaFileSchema = z.strictObject({
  uid: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'must use only letters, numbers, periods, hyphens and underscores')
    .max(64, 'must be 64 characters or less'),
  type: z.string().min(1),
  config: z.record(z.string(), z.unknown()),
});
export type MetaFile = z.infer<typeof metaFileSchema>;

/**
 * The public HTTPS origin HubSpot reaches the server at, from what an administrator typed: https only, and an
 * origin only (a trailing slash is tolerated), since hubspot.fetch permits origins and the webhook route is fixed.
 */
export function toPublicOrigin(publicBaseUrl: string): string {
  const text = publicBaseUrl.trim();
  if (!URL.canParse(text)) {
    throw new HubSpotProjectError(
      `"${publicBaseUrl}" is not a URL: give the server's origin, e.g. https://referralynx.example.org`,
    );
  }
  const url = new URL(text);
  if (url.protocol !== 'https:') {
    throw new HubSpotProjectError(`"${publicBaseUrl}" must use https: HubSpot calls only HTTPS origins`);
  }
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) {
    throw new HubSpotProjectError(
      `"${publicBaseUrl}" must be an origin only (scheme, host and optional port), without path, query or credentials: ` +
        `e.g. ${url.origin}`,
    );
  }
  return url.origin;
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** The JSON formatting of every project file: 2-space indent and a trailing newline. */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export async function readProjectConfig(projectRoot: string): Promise<ProjectConfig> {
  const file = path.join(projectRoot, PROJECT_FILE);
  const text = await fs.readFile(file, 'utf8').catch(() => {
    throw new HubSpotProjectError(`${file} is missing: is ${projectRoot} the Referralynx repository?`);
  });
  const json = parseJson(text);
  if (!json.ok) throw new HubSpotProjectError(`${PROJECT_FILE} is not valid JSON: ${json.error}`);
  const config = projectConfigSchema.safeParse(json.value);
  if (!config.success) throw new HubSpotProjectError(`${PROJECT_FILE}: ${describeIssues(config.error).join('; ')}`);
  return config.data;
}

/** Every *-hsmeta.json under the source directory, as paths relative to it (POSIX separators), sorted. */
export async function findMetaFiles(srcDir: string): Promise<string[]> {
  const entries = await fs.readdir(srcDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(META_FILE_SUFFIX))
    .map((entry) => path.relative(srcDir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .filter((file) => !file.split('/').includes('node_modules'))
    .sort();
}

export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) =>
    issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
  );
}
