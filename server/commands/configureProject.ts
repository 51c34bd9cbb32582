import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  HUBSPOT_WEBHOOK_PATH,
  HubSpotProjectError,
  SERVER_CONFIG_FILE,
  findMetaFiles,
  metaFileSchema,
  parseJson,
  readProjectConfig,
  toJsonText,
  toPublicOrigin,
  type MetaFile,
} from './hubspotProject';

export interface ConfigureHubSpotProjectOptions {
  /** The repository root, where hsproject.json is. */
  projectDir: string;
  /** The HTTPS origin HubSpot reaches the server at, e.g. https://referralynx.agency.org. */
  publicBaseUrl?: string;
  /**
   * The portal's Referral object type id (2-…), printed by `referralynx provision`: subscribes the webhooks to
   * Referral records being created, so those intake types in by hand are adopted by the EHR referral at once.
   */
  referralObjectTypeId?: string;
}

/** A custom object's type id: HubSpot gives custom objects 2-<number>. */
const CUSTOM_OBJECT_TYPE_ID = /^2-\d+$/;

/**
 * Points the HubSpot project at the server before `hs project upload`: the app's permittedUrls.fetch (what cards may
 * call with hubspot.fetch) and the cards' own server.json become the server's origin, and the webhooks' targetUrl
 * its webhook route. Only files
 * whose content changes are written, so a second run with the same origin changes nothing.
 * https://developers.hubspot.com/docs/apps/developer-platform/build-apps/app-configuration
 * https://developers.hubspot.com/docs/apps/developer-platform/add-features/configure-webhooks
 */
export async function configureHubSpotProject({
  projectDir,
  publicBaseUrl,
  referralObjectTypeId,
}: ConfigureHubSpotProjectOptions): Promise<{ changedFiles: string[] }> {
  const origin = publicBaseUrl === undefined ? undefined : toPublicOrigin(publicBaseUrl);
  if (referralObjectTypeId !== undefined && !CUSTOM_OBJECT_TYPE_ID.test(referralObjectTypeId)) {
    throw new HubSpotProjectError(
      `"${referralObjectTypeId}" is not a custom object type id: give the Referral object's, e.g. 2-12345678, as \`referralynx provision\` prints it`,
    );
  }
  const config = await readProjectConfig(projectDir);
  const srcDir = path.resolve(projectDir, config.srcDir);
  const features = await readFeatures(srcDir);

  const app = only(features, 'app');
  const webhooks = only(features, 'webhooks');
  if (origin !== undefined) {
    const permittedUrls = asRecord(app.meta.config.permittedUrls);
    permittedUrls.fetch = [origin];
    app.meta.config.permittedUrls = permittedUrls;
    const settings = asRecord(webhooks.meta.config.settings);
    settings.targetUrl = `${origin}${HUBSPOT_WEBHOOK_PATH}`;
    webhooks.meta.config.settings = settings;
  }
  if (referralObjectTypeId !== undefined) subscribeToReferralCreation(webhooks.meta, referralObjectTypeId);

  const changedFiles: string[] = [];
  const write = async (absolutePath: string, before: string | undefined, after: string) => {
    if (after === before) return;
    await writeFileAtomically(absolutePath, after);
    changedFiles.push(path.relative(projectDir, absolutePath).split(path.sep).join('/'));
  };
  for (const feature of [app, webhooks]) await write(feature.absolutePath, feature.text, toJsonText(feature.meta));
  // The origin the cards call (hubspot-app/shared/api.ts reads it): the same as permittedUrls.fetch.
  if (origin !== undefined) {
    const serverConfig = path.join(srcDir, SERVER_CONFIG_FILE);
    const before = await fs.readFile(serverConfig, 'utf8').catch(() => undefined);
    await write(serverConfig, before, toJsonText({ baseUrl: origin }));
  }
  return { changedFiles };
}

/**
 * One object.creation subscription for the portal's Referral object: an existing one for a custom object is pointed
 * at this type id (the portal's object was created again, or the project moved to another portal), else one is added.
 * https://developers.hubspot.com/docs/apps/developer-platform/add-features/configure-webhooks
 */
function subscribeToReferralCreation(meta: MetaFile, objectTypeId: string): void {
  const subscriptions = asRecord(meta.config.subscriptions);
  const crmObjects: unknown[] = Array.isArray(subscriptions.crmObjects) ? subscriptions.crmObjects : [];
  const existing = crmObjects
    .map(asRecord)
    .find((entry) => entry.subscriptionType === 'object.creation' && typeof entry.objectType === 'string' && CUSTOM_OBJECT_TYPE_ID.test(entry.objectType));
  if (existing) {
    existing.objectType = objectTypeId;
    existing.active = true;
  } else {
    crmObjects.push({ subscriptionType: 'object.creation', objectType: objectTypeId, active: true });
  }
  subscriptions.crmObjects = crmObjects;
  meta.config.subscriptions = subscriptions;
}

interface Feature {
  absolutePath: string;
  text: string;
  meta: MetaFile;
}

async function readFeatures(srcDir: string): Promise<Feature[]> {
  const features: Feature[] = [];
  for (const srcPath of await findMetaFiles(srcDir)) {
    const absolutePath = path.join(srcDir, srcPath);
    const text = await fs.readFile(absolutePath, 'utf8');
    const json = parseJson(text);
    const meta = json.ok ? metaFileSchema.safeParse(json.value) : undefined;
    if (!meta?.success) {
      throw new HubSpotProjectError(
        `${srcPath} is not a valid HubSpot config file: run \`referralynx hubspot-project --check\``,
      );
    }
    features.push({ absolutePath, text, meta: meta.data });
  }
  return features;
}

function only(features: Feature[], type: string): Feature {
  const matching = features.filter((feature) => feature.meta.type === type);
  const [feature] = matching;
  if (matching.length !== 1 || !feature) {
    throw new HubSpotProjectError(`expected one HubSpot config file of type "${type}", found ${matching.length}`);
  }
  return feature;
}

/** An object to edit in place (so the file keeps its key order), or a new one when the key is missing. */
function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Written beside and renamed over, so a crash never leaves half a JSON file for `hs project upload`. */
async function writeFileAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, text, 'utf8');
  await fs.rename(temporary, file);
}
