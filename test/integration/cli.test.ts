import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type RunningSandbox } from '../../server/sandbox';
import { REQUIRED_SCOPES } from '../../src/hubspot/scopes';
import { runCli } from '../support/cli';
import { freePort } from '../support/net';
import { createTestDatabase, dropTestDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;
let sandbox: RunningSandbox;

beforeAll(async () => {
  db = await createTestDatabase('cli');
  sandbox = await startSandbox({
    pool: db.pool,
    port: 0,
    token: 'right-token',
    scopes: REQUIRED_SCOPES.filter((scope) => scope !== 'crm.schemas.custom.write'),
  });
});
afterAll(async () => {
  await sandbox.close();
  await dropTestDatabase(db);
});

async function failure(env: Record<string, string>, args = ['provision']) {
  const cli = runCli(args, env);
  const code = await cli.exit();
  return { code, output: cli.output() };
}

describe('what an administrator sees when something is misconfigured', () => {
  it('a malformed variable: one list naming each, and a non-zero exit', async () => {
    const { code, output } = await failure({ PORT: 'eighty', DATABASE_URL: 'mysql://nope', HUBSPOT_API_BASE_URL: 'api.hubapi.com' });
    expect(code).not.toBe(0);
    expect(output).toContain('Invalid configuration');
    expect(output).toMatch(/PORT: /);
    expect(output).toMatch(/DATABASE_URL: must be a postgres/);
    expect(output).toMatch(/HUBSPOT_API_BASE_URL: must be an http\(s\) URL/);
  });

  it('an unreachable database: where it tried and what to check', async () => {
    const port = await freePort();
    const { code, output } = await failure({ DATABASE_URL: `postgres://rx:secret@127.0.0.1:${port}/referralynx` });
    expect(code).not.toBe(0);
    expect(output).toContain(`Cannot reach PostgreSQL at 127.0.0.1:${port}/referralynx`);
    expect(output).toContain('Check DATABASE_URL');
    expect(output).not.toContain('secret');
  });

  it('a token HubSpot refuses (401): names HUBSPOT_ACCESS_TOKEN', async () => {
    const { code, output } = await failure({
      DATABASE_URL: db.url,
      HUBSPOT_API_BASE_URL: sandbox.url,
      HUBSPOT_ACCESS_TOKEN: 'wrong-token',
    });
    expect(code).not.toBe(0);
    expect(output).toContain('HubSpot rejected the access token (401');
    expect(output).toContain('HUBSPOT_ACCESS_TOKEN');
  });

  it('a token without a scope the app needs: names the scope and how to grant it', async () => {
    const { code, output } = await failure({
      DATABASE_URL: db.url,
      HUBSPOT_API_BASE_URL: sandbox.url,
      HUBSPOT_ACCESS_TOKEN: 'right-token',
    });
    expect(code).not.toBe(0);
    expect(output).toContain('missing the scope crm.schemas.custom.write');
    expect(output).toContain('hs project upload');
  });
});

describe('referralynx start on embedded defaults', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'referralynx-start-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  async function start(demo: 'auto' | 'off') {
    const env = {
      REFERRALYNX_DATA_DIR: dataDir,
      REFERRALYNX_EMBEDDED_PG_PORT: String(await freePort()),
      REFERRALYNX_SANDBOX_PORT: '0',
      REFERRALYNX_MLLP_PORT: '0',
      REFERRALYNX_DEMO: demo,
      PORT: '0',
    };
    const cli = runCli(['start'], env);
    const output = await cli.waitFor(/Ready\./, 90_000);
    const url = /Server\s+(http:\/\/\S+)/.exec(output)?.[1];
    if (!url) throw new Error(`no server URL in:\n${output}`);
    const health = await fetch(`${url}/healthz`);
    const ready = await fetch(`${url}/readyz`);
    const readyBody = (await ready.json()) as { status: string; checks: Array<{ name: string; ok: boolean }> };
    cli.child.kill('SIGTERM');
    const code = await cli.exit();
    return { output, health: health.status, ready: ready.status, readyBody, code };
  }

  it('comes up healthy on an embedded PostgreSQL and the local sandbox, provisions it, and provisions nothing the second time', async () => {
    const first = await start('auto');
    expect(first.health).toBe(200);
    expect(first.ready).toBe(200);
    expect(first.readyBody.checks.map((c) => [c.name, c.ok])).toEqual([
      ['database', true],
      ['hubspot', true],
    ]);
    expect(first.output).toContain('embedded PostgreSQL');
    expect(first.output).toContain('local CRM sandbox');
    expect(first.output).toMatch(/created custom object Referral/);
    expect(first.output).toMatch(/created custom object Admission/);
    expect(first.output).toMatch(/created pipeline "Referral intake" with 7 stages/);
    // The demo agency played in over MLLP and CSV, every message acknowledged and nothing quarantined.
    expect(first.output).toMatch(/Demo {8}\d{4} HL7 messages \(0 not acknowledged AA\), a referral log of \d{4} rows: \d{4} referrals, \d{4} admissions, 0 in quarantine/);
    expect(first.output).toMatch(/Feeds {7}HL7 v2 over MLLP on 127\.0\.0\.1:\d+/);
    // And the sync wrote them to the sandbox, none refused.
    expect(first.output).toMatch(/Sync {8}\d+ records written to HubSpot, \d+ unchanged, 0 refused/);
    // And follow-up tasks for the demo's recent referrals (a year of history raises none for its old ones).
    expect(first.output).toMatch(/Follow-ups {2}[1-9]\d* tasks in HubSpot for the liaisons and intake: .*new referral/);
    expect(first.code).toBe(0);
    // The cluster lives where the start-up message says, and survives the stop.
    const cluster = /data in (\S+),/.exec(first.output)?.[1] ?? '';
    expect(fs.existsSync(path.join(cluster, 'PG_VERSION'))).toBe(true);

    const second = await start('off');
    expect(second.health).toBe(200);
    expect(second.output).toContain('Data model already complete: nothing to change (0 write calls).');
    expect(second.code).toBe(0);
  }, 180_000);
});
