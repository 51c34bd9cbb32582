import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { checkHubSpotProject } from '../server/commands/checkProject';
import { configureHubSpotProject } from '../server/commands/configureProject';
import { HubSpotProjectError } from '../server/commands/hubspotProject';
import { referralObject } from '../src/hubspot/dataModel';
import { REQUIRED_SCOPES } from '../src/hubspot/scopes';

const repoRoot = path.resolve(__dirname, '..');
const APP_FILE = 'hubspot-app/app/app-hsmeta.json';
const WEBHOOKS_FILE = 'hubspot-app/app/webhooks/webhooks-hsmeta.json';
const SCORECARD_FILE = 'hubspot-app/app/cards/company-scorecard-hsmeta.json';
const REFERRAL_CARD_FILE = 'hubspot-app/app/cards/referral-hsmeta.json';
const SETTINGS_FILE = 'hubspot-app/app/settings/settings-hsmeta.json';
const SERVER_FILE = 'hubspot-app/shared/server.json';
const PLACEHOLDER_ORIGIN = 'https://referralynx.example.com';

/** The shapes the tests read and break; a broken copy may hold anything, hence the open index signatures. */
interface ProjectJson {
  name: string;
  srcDir: string;
  platformVersion: string;
}
interface MetaJson {
  uid: string;
  type: string;
  config: Record<string, unknown>;
  [key: string]: unknown;
}
interface AppJson extends MetaJson {
  config: {
    distribution: string;
    auth: { type: string; requiredScopes: string[]; optionalScopes: string[]; conditionallyRequiredScopes: string[] };
    permittedUrls: Record<string, string[]>;
  };
}
interface WebhooksJson extends MetaJson {
  config: { settings: { targetUrl: string; maxConcurrentRequests: number }; subscriptions: Record<string, unknown[]> };
}

async function readJson<T>(root: string, file: string): Promise<T> {
  return JSON.parse(await fs.readFile(path.join(root, file), 'utf8')) as T;
}

async function writeJson(root: string, file: string, value: unknown): Promise<void> {
  await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await fs.writeFile(path.join(root, file), `${JSON.stringify(value, null, 2)}\n`);
}

async function editJson<T>(root: string, file: string, edit: (json: T) => void): Promise<void> {
  const json = await readJson<T>(root, file);
  edit(json);
  await writeJson(root, file, json);
}

async function metaFilesIn(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('-hsmeta.json'))
    .map((entry) => path.relative(repoRoot, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/** A throwaway copy of hsproject.json and hubspot-app/, to break or configure without touching the repository. */
async function copyProject(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'referralynx-hubspot-project-'));
  await fs.copyFile(path.join(repoRoot, 'hsproject.json'), path.join(dir, 'hsproject.json'));
  await fs.cp(path.join(repoRoot, 'hubspot-app'), path.join(dir, 'hubspot-app'), {
    recursive: true,
    filter: (source) => path.basename(source) !== 'node_modules',
  });
  return dir;
}

interface ParserReport {
  knownPlatformVersion: boolean;
  nodes: { uid: string; componentType: string; metaFilePath: string; componentDeps: Record<string, unknown> }[];
  skippedHsMetaFiles: string[];
  validationError: string | null;
}

/**
 * Runs HubSpot's own project parser (the one `hs project upload` uses) on a project. It is ESM-only and so are its
 * dependencies (@hubspot/local-dev-lib, chalk), which jest's CommonJS loader cannot require, so it runs in its own
 * Node process, as the HubSpot CLI runs it.
 */
async function parseWithHubSpot(projectRoot: string): Promise<ParserReport> {
  const script = `
    import path from 'node:path';
    import { translate } from '@hubspot/project-parsing-lib/translate';
    import { isKnownPlatformVersion, parseProjectConfig } from '@hubspot/project-parsing-lib/projects';
    const projectRoot = process.argv[1];
    const config = parseProjectConfig(projectRoot);
    const context = { projectSourceDir: path.join(projectRoot, config.srcDir), platformVersion: config.platformVersion };
    const { intermediateRepresentation, skippedHsMetaFiles } = await translate(context, { skipValidation: true });
    let validationError = null;
    try { await translate(context); } catch (error) { validationError = error.message; }
    const nodes = Object.values(intermediateRepresentation.intermediateNodesIndexedByUid)
      .map(({ uid, componentType, metaFilePath, componentDeps }) => ({ uid, componentType, metaFilePath, componentDeps }));
    process.stdout.write('\\n' + JSON.stringify({
      knownPlatformVersion: isKnownPlatformVersion(config.platformVersion), nodes, skippedHsMetaFiles, validationError,
    }) + '\\n');
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, projectRoot], {
    cwd: repoRoot,
  });
  const lastLine = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(lastLine) as ParserReport;
}

describe('the HubSpot project in the repository', () => {
  test('hsproject.json names the project, its source directory hubspot-app and platform 2026.03', async () => {
    expect(await readJson<ProjectJson>(repoRoot, 'hsproject.json')).toEqual({
      name: 'referralynx',
      srcDir: 'hubspot-app',
      platformVersion: '2026.03',
    });
  });

  test('every *-hsmeta.json is JSON with only uid, type and config, and a unique, well-formed uid', async () => {
    const files = await metaFilesIn(path.join(repoRoot, 'hubspot-app'));
    expect(files).toEqual(expect.arrayContaining([APP_FILE, WEBHOOKS_FILE]));
    const uids: string[] = [];
    for (const file of files) {
      const json = await readJson<MetaJson>(repoRoot, file);
      expect(Object.keys(json)).toEqual(['uid', 'type', 'config']);
      expect(json.uid).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
      uids.push(json.uid);
    }
    expect(new Set(uids).size).toBe(uids.length);
  });

  test('the app asks for exactly the scopes listed, with their reasons, in src/hubspot/scopes.ts', async () => {
    const app = await readJson<AppJson>(repoRoot, APP_FILE);
    expect(app.config.auth.requiredScopes).toEqual([...REQUIRED_SCOPES]);
    expect([...REQUIRED_SCOPES]).toEqual([...REQUIRED_SCOPES].sort());
    expect(app.config.auth.optionalScopes).toEqual([]);
    expect(app.config.auth.conditionallyRequiredScopes).toEqual([]);
  });

  test('the app is a private static-auth app whose cards may call only the server', async () => {
    const app = await readJson<AppJson>(repoRoot, APP_FILE);
    expect(app).toMatchObject({ uid: 'referralynx_app', type: 'app' });
    expect(app.config).toMatchObject({ distribution: 'private', auth: { type: 'static' } });
    expect(app.config.permittedUrls).toEqual({ fetch: [PLACEHOLDER_ORIGIN], iframe: [], img: [] });
  });

  test('HubSpot posts company owner changes, merges and deletions, and follow-up task outcomes, to the server webhook route', async () => {
    const webhooks = await readJson<WebhooksJson>(repoRoot, WEBHOOKS_FILE);
    expect(webhooks.type).toBe('webhooks');
    expect(webhooks.config.settings.targetUrl).toBe(`${PLACEHOLDER_ORIGIN}/webhooks/hubspot`);
    expect(webhooks.config.subscriptions).toEqual({
      crmObjects: [
        {
          subscriptionType: 'object.propertyChange',
          objectType: 'company',
          propertyName: 'hubspot_owner_id',
          active: true,
        },
        { subscriptionType: 'object.merge', objectType: 'company', active: true },
        { subscriptionType: 'object.deletion', objectType: 'company', active: true },
        // A task completed, reopened or deleted by its liaison (follow-up completion, src/sync/hubspotEvents.ts).
        { subscriptionType: 'object.propertyChange', objectType: 'task', propertyName: 'hs_task_status', active: true },
        { subscriptionType: 'object.deletion', objectType: 'task', active: true },
      ],
    });
  });

  test('the company tab, the company sidebar and the Referral record (p_rlx_referral, as provisioning names it) carry a card; the app a settings page', async () => {
    const cards = await Promise.all(
      ['company-scorecard', 'company-summary', 'referral'].map((name) => readJson<MetaJson>(repoRoot, `hubspot-app/app/cards/${name}-hsmeta.json`)),
    );
    expect(cards.map((card) => [card.type, card.config.location, card.config.objectTypes, card.config.entrypoint])).toEqual([
      ['card', 'crm.record.tab', ['companies'], '/app/cards/CompanyScorecard.tsx'],
      ['card', 'crm.record.sidebar', ['companies'], '/app/cards/CompanySummary.tsx'],
      ['card', 'crm.record.tab', ['p_rlx_referral'], '/app/cards/ReferralCard.tsx'],
    ]);
    expect(referralObject.name).toBe('rlx_referral');
    expect(await readJson<MetaJson>(repoRoot, SETTINGS_FILE)).toMatchObject({ type: 'settings', config: { entrypoint: '/app/settings/Settings.tsx' } });
    // The cards call the placeholder origin until `referralynx hubspot-project --public-url` points them at the server.
    expect(await readJson(repoRoot, SERVER_FILE)).toEqual({ baseUrl: PLACEHOLDER_ORIGIN });
  });

  test('checkHubSpotProject finds nothing wrong', async () => {
    expect(await checkHubSpotProject(repoRoot)).toEqual([]);
  });
});

describe("HubSpot's own parser (@hubspot/project-parsing-lib)", () => {
  let report: ParserReport;
  beforeAll(async () => {
    report = await parseWithHubSpot(repoRoot);
  });

  test('reads every config file: one app, and its webhooks feature depending on it', async () => {
    expect(report.knownPlatformVersion).toBe(true);
    expect(report.skippedHsMetaFiles).toEqual([]);
    const files = await metaFilesIn(path.join(repoRoot, 'hubspot-app'));
    expect(report.nodes.map((node) => `hubspot-app/${node.metaFilePath}`).sort()).toEqual(files);
    expect(report.nodes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          uid: 'referralynx_app',
          componentType: 'APPLICATION',
          metaFilePath: 'app/app-hsmeta.json',
        }),
        expect.objectContaining({
          uid: 'referralynx_webhooks',
          componentType: 'WEBHOOKS',
          metaFilePath: 'app/webhooks/webhooks-hsmeta.json',
          componentDeps: expect.objectContaining({ app: 'referralynx_app' }),
        }),
        expect.objectContaining({ uid: 'referralynx_company_scorecard', componentType: 'CARD', componentDeps: expect.objectContaining({ app: 'referralynx_app' }) }),
        expect.objectContaining({ uid: 'referralynx_company_summary', componentType: 'CARD' }),
        expect.objectContaining({ uid: 'referralynx_referral', componentType: 'CARD', metaFilePath: 'app/cards/referral-hsmeta.json' }),
        expect.objectContaining({ uid: 'referralynx_settings', componentType: 'SETTINGS', metaFilePath: 'app/settings/settings-hsmeta.json' }),
      ]),
    );
  });

  test('cannot validate offline: the component schemas come from HubSpot, which needs an account', () => {
    // If a later version of the parser validates offline, this fails: then assert validationError is null instead.
    expect(report.validationError).toBe('Account id is required to fetch component schemas');
  });

  test('drops a file with broken JSON and skips one in the wrong folder, so the checks above catch both', async () => {
    const dir = await copyProject();
    try {
      await fs.writeFile(path.join(dir, WEBHOOKS_FILE), '{ "uid": "referralynx_webhooks", ');
      await writeJson(dir, 'hubspot-app/app/extra/stray-hsmeta.json', { uid: 'stray', type: 'card', config: {} });
      const broken = await parseWithHubSpot(dir);
      const kept = (await metaFilesIn(path.join(repoRoot, 'hubspot-app'))).filter((file) => file !== WEBHOOKS_FILE).map((file) => file.replace('hubspot-app/', ''));
      expect(broken.nodes.map((node) => node.metaFilePath).sort()).toEqual(kept);
      expect(broken.skippedHsMetaFiles).toEqual(['app/extra/stray-hsmeta.json']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('checkHubSpotProject on a broken copy of the project', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await copyProject();
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  test.each<[string, (root: string) => Promise<void>, { file: string; message: unknown }]>([
    [
      'a top-level key other than uid, type and config',
      (root) => editJson<AppJson>(root, APP_FILE, (json) => (json.name = 'Referralynx')),
      { file: APP_FILE, message: 'Unrecognized key: "name"' },
    ],
    [
      'a uid with a space',
      (root) => editJson<WebhooksJson>(root, WEBHOOKS_FILE, (json) => (json.uid = 'referralynx webhooks')),
      { file: WEBHOOKS_FILE, message: 'uid: must use only letters, numbers, periods, hyphens and underscores' },
    ],
    [
      'two files with one uid',
      (root) => editJson<WebhooksJson>(root, WEBHOOKS_FILE, (json) => (json.uid = 'referralynx_app')),
      { file: WEBHOOKS_FILE, message: 'uid "referralynx_app" is used by 2 files; uids must be unique' },
    ],
    [
      'a file that is not JSON',
      (root) => fs.writeFile(path.join(root, WEBHOOKS_FILE), '{ "uid": "referralynx_webhooks", '),
      { file: WEBHOOKS_FILE, message: expect.stringMatching(/^not valid JSON: /) },
    ],
    [
      'a card whose entry point is missing',
      (root) =>
        writeJson(root, 'hubspot-app/app/cards/scorecard-hsmeta.json', {
          uid: 'referral_source_scorecard',
          type: 'card',
          config: {
            name: 'Referral source scorecard',
            location: 'crm.record.tab',
            objectTypes: ['companies'],
            entrypoint: '/app/cards/Scorecard.tsx',
          },
        }),
      {
        file: 'hubspot-app/app/cards/scorecard-hsmeta.json',
        message:
          'entrypoint "/app/cards/Scorecard.tsx" does not exist (looked for hubspot-app/app/cards/Scorecard.tsx)',
      },
    ],
    [
      'a feature outside its folder',
      async (root) => {
        await fs.rename(path.join(root, WEBHOOKS_FILE), path.join(root, 'hubspot-app/app/webhooks-hsmeta.json'));
      },
      {
        file: 'hubspot-app/app/webhooks-hsmeta.json',
        message: 'a webhooks config must sit directly in hubspot-app/app/webhooks/, not in app/',
      },
    ],
    [
      'a scope dropped and another added',
      (root) =>
        editJson<AppJson>(root, APP_FILE, (json) => {
          json.config.auth.requiredScopes = [
            ...REQUIRED_SCOPES.filter((scope) => scope !== 'crm.objects.owners.read'),
            'crm.objects.deals.read',
          ];
        }),
      {
        file: APP_FILE,
        message:
          'config.auth.requiredScopes must equal REQUIRED_SCOPES in src/hubspot/scopes.ts: missing crm.objects.owners.read; not in the list: crm.objects.deals.read',
      },
    ],
    [
      'the scopes out of order',
      (root) => editJson<AppJson>(root, APP_FILE, (json) => json.config.auth.requiredScopes.reverse()),
      {
        file: APP_FILE,
        message: 'config.auth.requiredScopes must list REQUIRED_SCOPES once each, in the same (sorted) order',
      },
    ],
    [
      'a marketplace distribution',
      (root) => editJson<AppJson>(root, APP_FILE, (json) => (json.config.distribution = 'marketplace')),
      { file: APP_FILE, message: 'config.distribution: Invalid input: expected "private"' },
    ],
    [
      'a plain-HTTP server origin',
      (root) =>
        editJson<AppJson>(
          root,
          APP_FILE,
          (json) => (json.config.permittedUrls.fetch = ['http://referralynx.example.com']),
        ),
      {
        file: APP_FILE,
        message:
          'config.permittedUrls.fetch: "http://referralynx.example.com" must use https: HubSpot calls only HTTPS origins',
      },
    ],
    [
      'an iframe origin',
      (root) =>
        editJson<AppJson>(root, APP_FILE, (json) => (json.config.permittedUrls.iframe = ['https://ehr.example.com'])),
      {
        file: APP_FILE,
        message: "config.permittedUrls.iframe must be empty: the app loads nothing but the server's API",
      },
    ],
    [
      'webhooks sent to another server',
      (root) =>
        editJson<WebhooksJson>(
          root,
          WEBHOOKS_FILE,
          (json) => (json.config.settings.targetUrl = 'https://old-server.example.com/webhooks/hubspot'),
        ),
      {
        file: WEBHOOKS_FILE,
        message:
          "config.settings.targetUrl is on https://old-server.example.com but the app's permittedUrls.fetch is https://referralynx.example.com: " +
          'both must name the same server (run `referralynx hubspot-project --public-url`)',
      },
    ],
    [
      'webhooks sent to another route',
      (root) =>
        editJson<WebhooksJson>(
          root,
          WEBHOOKS_FILE,
          (json) => (json.config.settings.targetUrl = 'https://referralynx.example.com/hubspot'),
        ),
      {
        file: WEBHOOKS_FILE,
        message:
          'config.settings.targetUrl "https://referralynx.example.com/hubspot" must be https://<server origin>/webhooks/hubspot',
      },
    ],
    [
      "a card on a custom object's portal-specific type id",
      (root) => editJson<MetaJson>(root, REFERRAL_CARD_FILE, (json) => (json.config.objectTypes = ['2-41200117'])),
      {
        file: REFERRAL_CARD_FILE,
        message:
          'config.objectTypes.0: must be a standard object (contacts, companies, deals, tickets) or a custom object as p_<object name>, not a portal-specific type id',
      },
    ],
    [
      'a card in a place the project does not use',
      (root) => editJson<MetaJson>(root, SCORECARD_FILE, (json) => (json.config.location = 'crm.record.middle')),
      { file: SCORECARD_FILE, message: expect.stringMatching(/^config\.location: /) },
    ],
    [
      'cards calling another server than the app permits',
      (root) => writeJson(root, SERVER_FILE, { baseUrl: 'https://old-server.example.com' }),
      {
        file: SERVER_FILE,
        message:
          'baseUrl "https://old-server.example.com" is not the app\'s permittedUrls.fetch (https://referralynx.example.com): HubSpot would refuse every card request (run `referralynx hubspot-project --public-url`)',
      },
    ],
    [
      'cards built with another React',
      (root) => editJson<{ dependencies: Record<string, string> }>(root, 'hubspot-app/app/cards/package.json', (json) => (json.dependencies.react = '^19.0.0')),
      { file: 'hubspot-app/app/cards/package.json', message: 'dependencies.react: must be 18.3.1, the React @hubspot/ui-extensions 0.17 wants' },
    ],
    [
      'a settings page without its entry point',
      (root) => editJson<MetaJson>(root, SETTINGS_FILE, (json) => delete json.config.entrypoint),
      { file: SETTINGS_FILE, message: 'config.entrypoint: Invalid input: expected string, received undefined' },
    ],
    [
      'another platform version',
      (root) => editJson<ProjectJson>(root, 'hsproject.json', (json) => (json.platformVersion = '2025.2')),
      { file: 'hsproject.json', message: 'platformVersion is "2025.2"; the project is written for "2026.03"' },
    ],
    [
      'another source directory',
      async (root) => {
        await fs.rename(path.join(root, 'hubspot-app'), path.join(root, 'src'));
        await editJson<ProjectJson>(root, 'hsproject.json', (json) => (json.srcDir = 'src'));
      },
      { file: 'hsproject.json', message: 'srcDir is "src"; the HubSpot project source lives in "hubspot-app"' },
    ],
  ])('reports %s', async (_case, breakProject, expected) => {
    expect(await checkHubSpotProject(dir)).toEqual([]);
    await breakProject(dir);
    const problems = await checkHubSpotProject(dir);
    expect(problems).toContainEqual(expected);
  });

  test('accepts a card once its entry point exists', async () => {
    await writeJson(dir, 'hubspot-app/app/cards/scorecard-hsmeta.json', {
      uid: 'referral_source_scorecard',
      type: 'card',
      config: {
        name: 'Referral source scorecard',
        location: 'crm.record.tab',
        objectTypes: ['companies'],
        entrypoint: '/app/cards/Scorecard.tsx',
      },
    });
    await fs.writeFile(path.join(dir, 'hubspot-app/app/cards/Scorecard.tsx'), 'export {};\n');
    expect(await checkHubSpotProject(dir)).toEqual([]);
  });

  test('reports a missing hsproject.json without looking further', async () => {
    await fs.rm(path.join(dir, 'hsproject.json'));
    const problems = await checkHubSpotProject(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      file: 'hsproject.json',
      message: expect.stringContaining('hsproject.json is missing'),
    });
  });
});

describe('configureHubSpotProject', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await copyProject();
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const read = (file: string) => fs.readFile(path.join(dir, file), 'utf8');

  test("points hubspot.fetch and the webhooks at the server's origin, changing only those lines", async () => {
    const appBefore = await read(APP_FILE);
    const webhooksBefore = await read(WEBHOOKS_FILE);

    const result = await configureHubSpotProject({
      projectDir: dir,
      publicBaseUrl: 'https://crm.sunrisehomehealth.org',
    });

    expect(result.changedFiles).toEqual([APP_FILE, WEBHOOKS_FILE, SERVER_FILE]);
    expect(await readJson(dir, SERVER_FILE)).toEqual({ baseUrl: 'https://crm.sunrisehomehealth.org' });
    expect(await read(APP_FILE)).toBe(
      appBefore.replace('"https://referralynx.example.com"', '"https://crm.sunrisehomehealth.org"'),
    );
    expect(await read(WEBHOOKS_FILE)).toBe(
      webhooksBefore.replace(
        '"https://referralynx.example.com/webhooks/hubspot"',
        '"https://crm.sunrisehomehealth.org/webhooks/hubspot"',
      ),
    );
    expect(await read(APP_FILE)).not.toBe(appBefore);
    expect(await checkHubSpotProject(dir)).toEqual([]);
  });

  test('is idempotent: a second run with the same origin writes nothing', async () => {
    await configureHubSpotProject({ projectDir: dir, publicBaseUrl: 'https://crm.sunrisehomehealth.org' });
    const appAfterFirst = await read(APP_FILE);
    const webhooksAfterFirst = await read(WEBHOOKS_FILE);

    const second = await configureHubSpotProject({
      projectDir: dir,
      publicBaseUrl: 'https://crm.sunrisehomehealth.org/',
    });

    expect(second.changedFiles).toEqual([]);
    expect(await read(APP_FILE)).toBe(appAfterFirst);
    expect(await read(WEBHOOKS_FILE)).toBe(webhooksAfterFirst);
  });

  test("subscribes the webhooks to the portal's Referral records being created, once, and moves it to a new type id", async () => {
    const before = await readJson<WebhooksJson>(dir, WEBHOOKS_FILE);
    const result = await configureHubSpotProject({ projectDir: dir, referralObjectTypeId: '2-41200117' });
    expect(result.changedFiles).toEqual([WEBHOOKS_FILE]);
    const after = await readJson<WebhooksJson>(dir, WEBHOOKS_FILE);
    // The three company subscriptions stay as they were, the origin too; one subscription is added.
    expect(after.config.subscriptions.crmObjects).toEqual([
      ...(before.config.subscriptions.crmObjects ?? []),
      { subscriptionType: 'object.creation', objectType: '2-41200117', active: true },
    ]);
    expect(after.config.settings.targetUrl).toBe(before.config.settings.targetUrl);
    expect(await checkHubSpotProject(dir)).toEqual([]);

    expect((await configureHubSpotProject({ projectDir: dir, referralObjectTypeId: '2-41200117' })).changedFiles).toEqual([]);
    await configureHubSpotProject({ projectDir: dir, referralObjectTypeId: '2-55000001' });
    expect((await readJson<WebhooksJson>(dir, WEBHOOKS_FILE)).config.subscriptions.crmObjects).toEqual([
      ...(before.config.subscriptions.crmObjects ?? []),
      { subscriptionType: 'object.creation', objectType: '2-55000001', active: true },
    ]);
  });

  test.each([['p_referrals'], ['0-2'], ['2-'], ['referral']])('refuses %s as a Referral object type id, writing nothing', async (typeId) => {
    const before = await read(WEBHOOKS_FILE);
    await expect(configureHubSpotProject({ projectDir: dir, referralObjectTypeId: typeId })).rejects.toThrow(/not a custom object type id/);
    expect(await read(WEBHOOKS_FILE)).toBe(before);
  });

  test('writes the files in the repository formatting, so the placeholder origin changes nothing', async () => {
    expect(await configureHubSpotProject({ projectDir: dir, publicBaseUrl: PLACEHOLDER_ORIGIN })).toEqual({
      changedFiles: [],
    });
  });

  test('normalises the origin: lower-case host, default port dropped, a custom port kept', async () => {
    await configureHubSpotProject({ projectDir: dir, publicBaseUrl: 'https://CRM.SunriseHomeHealth.org:443/' });
    expect((await readJson<AppJson>(dir, APP_FILE)).config.permittedUrls.fetch).toEqual([
      'https://crm.sunrisehomehealth.org',
    ]);

    await configureHubSpotProject({ projectDir: dir, publicBaseUrl: 'https://crm.sunrisehomehealth.org:8443' });
    expect((await readJson<WebhooksJson>(dir, WEBHOOKS_FILE)).config.settings.targetUrl).toBe(
      'https://crm.sunrisehomehealth.org:8443/webhooks/hubspot',
    );
  });

  test.each([
    ['plain HTTP', 'http://crm.sunrisehomehealth.org', 'must use https'],
    ['a path', 'https://crm.sunrisehomehealth.org/referralynx', 'must be an origin only'],
    ['a query', 'https://crm.sunrisehomehealth.org/?x=1', 'must be an origin only'],
    ['credentials', 'https://admin:secret@crm.sunrisehomehealth.org', 'must be an origin only'],
    ['text that is not a URL', 'crm.sunrisehomehealth.org', 'is not a URL'],
  ])('refuses %s and leaves the files alone', async (_case, publicBaseUrl, message) => {
    const appBefore = await read(APP_FILE);
    const webhooksBefore = await read(WEBHOOKS_FILE);

    const attempt = configureHubSpotProject({ projectDir: dir, publicBaseUrl });

    await expect(attempt).rejects.toBeInstanceOf(HubSpotProjectError);
    await expect(attempt).rejects.toThrow(message);
    expect(await read(APP_FILE)).toBe(appBefore);
    expect(await read(WEBHOOKS_FILE)).toBe(webhooksBefore);
  });

  test('refuses to rewrite a project whose config files are broken', async () => {
    await fs.writeFile(path.join(dir, WEBHOOKS_FILE), '{ "uid": ');
    await expect(
      configureHubSpotProject({ projectDir: dir, publicBaseUrl: 'https://crm.sunrisehomehealth.org' }),
    ).rejects.toThrow('app/webhooks/webhooks-hsmeta.json is not a valid HubSpot config file');
  });
});
