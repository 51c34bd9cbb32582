import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { REQUIRED_SCOPES } from '../../src/hubspot/scopes';
import {
  HUBSPOT_WEBHOOK_PATH,
  HubSpotProjectError,
  PLATFORM_VERSION,
  PROJECT_FILE,
  PROJECT_SRC_DIR,
  SERVER_CONFIG_FILE,
  serverConfigSchema,
  describeIssues,
  findMetaFiles,
  metaFileSchema,
  parseJson,
  readProjectConfig,
  toPublicOrigin,
  type MetaFile,
} from './hubspotProject';

/** One thing wrong with the HubSpot project; `file` is relative to the project root. */
export interface ProjectProblem {
  file: string;
  message: string;
}

type Report = (file: string, message: string) => void;

/**
 * The folder each feature's config must sit directly in (HubSpot rejects the file anywhere else), for the
 * features Referralynx uses. https://developers.hubspot.com/docs/apps/developer-platform/build-apps/app-configuration
 */
const FEATURE_FOLDERS: Readonly<Record<string, string>> = {
  app: 'app',
  card: 'app/cards',
  settings: 'app/settings',
  webhooks: 'app/webhooks',
};
/** Features a project may have at most one of (and exactly one app). */
const SINGULAR_FEATURES = ['app', 'settings', 'webhooks'];

const appConfigSchema = z.object({
  name: z.string().min(1).max(200),
  description: z.string().min(1).max(8192),
  // The first deployment mode: one agency's portal, static access token (DESIGN.md).
  distribution: z.literal('private'),
  auth: z.object({ type: z.literal('static'), requiredScopes: z.array(z.string()) }),
  permittedUrls: z.object({ fetch: z.array(z.string()) }).catchall(z.array(z.unknown())),
});

const webhooksConfigSchema = z.object({
  settings: z.object({ targetUrl: z.string(), maxConcurrentRequests: z.number().int().positive() }),
  subscriptions: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))),
});

/**
 * Where a card shows and on which records. A custom object made with the schemas API is named `p_<object name>`
 * (the same in every portal); its type id (2-…) differs per portal, so it has no place in the checked-in project.
 * https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensions/extension-points/app-cards/reference
 */
const cardConfigSchema = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(8192).optional(),
  location: z.enum(['crm.record.tab', 'crm.record.sidebar', 'crm.preview']),
  objectTypes: z
    .array(
      z
        .string()
        .regex(
          /^(contacts|companies|deals|tickets|p_[a-z][a-z0-9_]*)$/,
          'must be a standard object (contacts, companies, deals, tickets) or a custom object as p_<object name>, not a portal-specific type id',
        ),
    )
    .min(1),
  entrypoint: z.string(),
});

const settingsConfigSchema = z.object({ name: z.string().min(1).max(200).optional(), entrypoint: z.string() });

/** What an extension folder's package.json must give HubSpot's build: the UI extensions SDK and React 18.3.1, its exact peer. */
const extensionPackageSchema = z.object({
  dependencies: z.object({ '@hubspot/ui-extensions': z.string(), react: z.literal('18.3.1', { error: 'must be 18.3.1, the React @hubspot/ui-extensions 0.17 wants' }) }),
});

interface LoadedMetaFile {
  /** Relative to the project root, for messages. */
  file: string;
  /** Relative to the source directory, as HubSpot places features. */
  srcPath: string;
  meta: MetaFile;
}

/**
 * Checks the HubSpot project offline: what `hs project upload` would reject (file placement, top-level keys, uids,
 * missing entry points, cards' locations and object types) and what Referralynx relies on (platform version,
 * static-auth private app, the scopes in src/hubspot/scopes.ts, one server origin for hubspot.fetch, the cards'
 * server.json and webhooks, and each extension folder's package.json). Returns every problem found; an empty
 * list means the project is ready to upload.
 */
export async function checkHubSpotProject(projectRoot: string): Promise<ProjectProblem[]> {
  const problems: ProjectProblem[] = [];
  const report: Report = (file, message) => problems.push({ file, message });

  let config;
  try {
    config = await readProjectConfig(projectRoot);
  } catch (error) {
    if (error instanceof HubSpotProjectError) return [{ file: PROJECT_FILE, message: error.message }];
    throw error;
  }
  if (config.srcDir !== PROJECT_SRC_DIR) {
    report(PROJECT_FILE, `srcDir is "${config.srcDir}"; the HubSpot project source lives in "${PROJECT_SRC_DIR}"`);
  }
  if (config.platformVersion !== PLATFORM_VERSION) {
    report(
      PROJECT_FILE,
      `platformVersion is "${config.platformVersion}"; the project is written for "${PLATFORM_VERSION}"`,
    );
  }
  const srcDir = path.resolve(projectRoot, config.srcDir);
  if (!isInside(path.resolve(projectRoot), srcDir) || !(await isDirectory(srcDir))) {
    report(PROJECT_FILE, `srcDir "${config.srcDir}" is not a directory inside the project`);
    return problems;
  }

  const metaFiles = await findMetaFiles(srcDir);
  if (metaFiles.length === 0) report(config.srcDir, 'no *-hsmeta.json files: the project is empty');
  const loaded: LoadedMetaFile[] = [];
  for (const srcPath of metaFiles) {
    const file = path.posix.join(config.srcDir, srcPath);
    const json = parseJson(await fs.readFile(path.join(srcDir, srcPath), 'utf8'));
    if (!json.ok) {
      report(file, `not valid JSON: ${json.error}`);
      continue;
    }
    const meta = metaFileSchema.safeParse(json.value);
    if (!meta.success) {
      for (const issue of describeIssues(meta.error)) report(file, issue);
      continue;
    }
    loaded.push({ file, srcPath, meta: meta.data });
    for (const message of await placementProblems(projectRoot, srcDir, srcPath, meta.data)) report(file, message);
  }

  for (const [uid, files] of groupBy(loaded, (item) => item.meta.uid)) {
    if (files.length < 2) continue;
    for (const { file } of files) report(file, `uid "${uid}" is used by ${files.length} files; uids must be unique`);
  }
  const byType = groupBy(loaded, (item) => item.meta.type);
  for (const type of SINGULAR_FEATURES) {
    const files = byType.get(type) ?? [];
    if (files.length < 2) continue;
    for (const { file } of files) report(file, `a project has at most one ${type} feature`);
  }
  // Only when every file loaded: a broken app file has been reported already.
  if (!byType.has('app') && loaded.length === metaFiles.length && metaFiles.length > 0) {
    report(config.srcDir, 'no feature of type "app": the project needs app/app-hsmeta.json');
  }

  const app = theOnly(byType.get('app'));
  const fetchOrigins = app ? appProblems(app, report) : [];
  const webhooks = theOnly(byType.get('webhooks'));
  if (webhooks) webhooksProblems(webhooks, fetchOrigins, report);
  const extensions = [...(byType.get('card') ?? []), ...(byType.get('settings') ?? [])];
  for (const extension of extensions) extensionConfigProblems(extension, report);
  for (const folder of new Set(extensions.map((extension) => path.posix.dirname(extension.srcPath)))) {
    await extensionPackageProblems(projectRoot, path.posix.join(config.srcDir, folder, 'package.json'), report);
  }
  if (extensions.length > 0) await serverConfigProblems(projectRoot, path.posix.join(config.srcDir, SERVER_CONFIG_FILE), fetchOrigins, report);
  return problems;
}

/** The file sits directly in its feature's folder, and every entry point it names exists in the project. */
async function placementProblems(
  projectRoot: string,
  srcDir: string,
  srcPath: string,
  meta: MetaFile,
): Promise<string[]> {
  const messages: string[] = [];
  const folder = FEATURE_FOLDERS[meta.type];
  if (folder === undefined) {
    messages.push(
      `type "${meta.type}" is not one of the features this project uses (${Object.keys(FEATURE_FOLDERS).join(', ')})`,
    );
  } else if (path.posix.dirname(srcPath) !== folder) {
    messages.push(
      `a ${meta.type} config must sit directly in ${PROJECT_SRC_DIR}/${folder}/, not in ${path.posix.dirname(srcPath)}/`,
    );
  }
  for (const entrypoint of findEntrypoints(meta.config)) {
    // HubSpot writes entry points from the source directory with a leading slash, e.g. "/app/cards/Card.tsx".
    if (typeof entrypoint !== 'string' || !entrypoint.startsWith('/')) {
      messages.push(
        `entrypoint ${JSON.stringify(entrypoint)} must be a path from ${PROJECT_SRC_DIR}/ starting with "/"`,
      );
      continue;
    }
    const target = path.join(srcDir, entrypoint);
    if (!isInside(srcDir, target) || !(await isFile(target))) {
      messages.push(
        `entrypoint "${entrypoint}" does not exist (looked for ${path.relative(projectRoot, target).split(path.sep).join('/')})`,
      );
    }
  }
  return messages;
}

/** Checks the app feature and returns the origins it lets hubspot.fetch call. */
function appProblems(app: LoadedMetaFile, report: Report): string[] {
  const parsed = appConfigSchema.safeParse(app.meta.config);
  if (!parsed.success) {
    for (const issue of describeIssues(parsed.error)) report(app.file, `config.${issue}`);
    return [];
  }
  const { auth, permittedUrls } = parsed.data;

  const expected: readonly string[] = REQUIRED_SCOPES;
  const missing = expected.filter((scope) => !auth.requiredScopes.includes(scope));
  const unexpected = auth.requiredScopes.filter((scope) => !expected.includes(scope));
  if (missing.length > 0 || unexpected.length > 0) {
    const parts = [
      missing.length > 0 ? `missing ${missing.join(', ')}` : '',
      unexpected.length > 0 ? `not in the list: ${unexpected.join(', ')}` : '',
    ].filter(Boolean);
    report(
      app.file,
      `config.auth.requiredScopes must equal REQUIRED_SCOPES in src/hubspot/scopes.ts: ${parts.join('; ')}`,
    );
  } else if (auth.requiredScopes.join() !== expected.join()) {
    report(app.file, 'config.auth.requiredScopes must list REQUIRED_SCOPES once each, in the same (sorted) order');
  }

  if (permittedUrls.fetch.length !== 1) {
    report(
      app.file,
      `config.permittedUrls.fetch must hold exactly the server's origin, found ${permittedUrls.fetch.length} entries`,
    );
  }
  const origins: string[] = [];
  for (const url of permittedUrls.fetch) {
    try {
      origins.push(toPublicOrigin(url));
    } catch (error) {
      if (!(error instanceof HubSpotProjectError)) throw error;
      report(app.file, `config.permittedUrls.fetch: ${error.message}`);
    }
  }
  for (const [section, urls] of Object.entries(permittedUrls)) {
    if (section !== 'fetch' && urls.length > 0) {
      report(app.file, `config.permittedUrls.${section} must be empty: the app loads nothing but the server's API`);
    }
  }
  return origins;
}

function webhooksProblems(webhooks: LoadedMetaFile, fetchOrigins: string[], report: Report): void {
  const parsed = webhooksConfigSchema.safeParse(webhooks.meta.config);
  if (!parsed.success) {
    for (const issue of describeIssues(parsed.error)) report(webhooks.file, `config.${issue}`);
    return;
  }
  const { targetUrl } = parsed.data.settings;
  const url = URL.canParse(targetUrl) ? new URL(targetUrl) : undefined;
  if (url?.protocol !== 'https:' || url.pathname !== HUBSPOT_WEBHOOK_PATH || url.search || url.hash) {
    report(
      webhooks.file,
      `config.settings.targetUrl "${targetUrl}" must be https://<server origin>${HUBSPOT_WEBHOOK_PATH}`,
    );
  } else if (fetchOrigins.length > 0 && !fetchOrigins.includes(url.origin)) {
    report(
      webhooks.file,
      `config.settings.targetUrl is on ${url.origin} but the app's permittedUrls.fetch is ${fetchOrigins.join(', ')}: ` +
        'both must name the same server (run `referralynx hubspot-project --public-url`)',
    );
  }
}

function extensionConfigProblems(extension: LoadedMetaFile, report: Report): void {
  const schema = extension.meta.type === 'card' ? cardConfigSchema : settingsConfigSchema;
  const parsed = schema.safeParse(extension.meta.config);
  if (!parsed.success) for (const issue of describeIssues(parsed.error)) report(extension.file, `config.${issue}`);
}

/** HubSpot builds each extension folder with its own package.json. */
async function extensionPackageProblems(projectRoot: string, file: string, report: Report): Promise<void> {
  const text = await fs.readFile(path.join(projectRoot, file), 'utf8').catch(() => undefined);
  if (text === undefined) {
    report(file, 'missing: HubSpot installs the extensions\' dependencies from it');
    return;
  }
  const json = parseJson(text);
  const parsed = json.ok ? extensionPackageSchema.safeParse(json.value) : undefined;
  if (!json.ok) report(file, `not valid JSON: ${json.error}`);
  else if (parsed && !parsed.success) for (const issue of describeIssues(parsed.error)) report(file, issue);
}

/** The origin the extensions call must be the one HubSpot lets them call. */
async function serverConfigProblems(projectRoot: string, file: string, fetchOrigins: string[], report: Report): Promise<void> {
  const text = await fs.readFile(path.join(projectRoot, file), 'utf8').catch(() => undefined);
  if (text === undefined) {
    report(file, 'missing: the cards read the server origin from it (run `referralynx hubspot-project --public-url`)');
    return;
  }
  const json = parseJson(text);
  const parsed = json.ok ? serverConfigSchema.safeParse(json.value) : undefined;
  if (!parsed?.success) {
    report(file, 'must be { "baseUrl": "<server origin>" } (run `referralynx hubspot-project --public-url`)');
    return;
  }
  const { baseUrl } = parsed.data;
  if (fetchOrigins.length > 0 && !fetchOrigins.includes(baseUrl)) {
    report(
      file,
      `baseUrl "${baseUrl}" is not the app's permittedUrls.fetch (${fetchOrigins.join(', ')}): HubSpot would refuse every card request ` +
        '(run `referralynx hubspot-project --public-url`)',
    );
  }
}

function findEntrypoints(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(findEntrypoints);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => (key === 'entrypoint' ? [child] : findEntrypoints(child)));
}

function theOnly<T>(items: T[] | undefined): T | undefined {
  return items?.length === 1 ? items[0] : undefined;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

function isInside(dir: string, target: string): boolean {
  const relative = path.relative(dir, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

async function isDirectory(target: string): Promise<boolean> {
  return (await fs.stat(target).catch(() => undefined))?.isDirectory() ?? false;
}

async function isFile(target: string): Promise<boolean> {
  return (await fs.stat(target).catch(() => undefined))?.isFile() ?? false;
}
