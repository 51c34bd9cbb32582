import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  HUBSPOT_WEBHOOK_PATH,
  HubSpotProjectError,
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
  publicBaseUrl: string;
}

/**
 * Points the HubSpot project at the server before `hs project upload`: the app's permittedUrls.fetch (what cards may
 * call with hubspot.fetch) becomes the server's origin, and the webhooks' targetUrl its webhook route. Only files
 * whose content changes are written, so a second run with the same origin changes nothing.
 * https://developers.hubspot.com/docs/apps/developer-platform/build-apps/app-configuration
 * https://developers.hubspot.com/docs/apps/developer-platform/add-features/configure-webhooks
 */
export async function configureHubSpotProject({
  projectDir,
  publicBaseUrl,
}: ConfigureHubSpotProjectOptions): Promise<{ changedFiles: string[] }> {
  const origin = toPublicOrigin(publicBaseUrl);
  const config = await readProjectConfig(projectDir);
  const srcDir = path.resolve(projectDir, config.srcDir);
  const features = await readFeatures(srcDir);

  const app = only(features, 'app');
  const permittedUrls = asRecord(app.meta.config.permittedUrls);
  permittedUrls.fetch = [origin];
  app.meta.config.permittedUrls = permittedUrls;

  const webhooks = only(features, 'webhooks');
  const settings = asRecord(webhooks.meta.config.settings);
  settings.targetUrl = `${origin}${HUBSPOT_WEBHOOK_PATH}`;
  webhooks.meta.config.settings = settings;

  const changedFiles: string[] = [];
  for (const feature of [app, webhooks]) {
    const text = toJsonText(feature.meta);
    if (text === feature.text) continue;
    await writeFileAtomically(feature.absolutePath, text);
    changedFiles.push(path.relative(projectDir, feature.absolutePath).split(path.sep).join('/'));
  }
  return { changedFiles };
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
