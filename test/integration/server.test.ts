import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import express from 'express';
import { z } from 'zod';
import { buildApp, errorHandler } from '../../server/app';
import { HttpError } from '../../server/httpErrors';
import { createLogger } from '../../src/logger';
import { createTestDatabase, dropTestDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;
const servers: Server[] = [];
const logged: string[] = [];
const logger = createLogger({
  destination: new Writable({
    write(chunk: Buffer, _e, done) {
      logged.push(chunk.toString());
      done();
    },
  }),
});

beforeAll(async () => {
  db = await createTestDatabase('server');
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await dropTestDatabase(db);
});

async function serve(app: express.Express): Promise<string> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the HTTP server', () => {
  it('is alive and ready when the database answers', async () => {
    const url = await serve(
      buildApp({ logger, readiness: [{ name: 'database', check: async () => void (await db.pool.query('SELECT 1')) }] }),
    );
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: [{ name: 'database', ok: true }] });
  });

  it('is alive but not ready when a dependency is down, and says which', async () => {
    const url = await serve(
      buildApp({
        logger,
        readiness: [
          { name: 'database', check: async () => undefined },
          { name: 'hubspot', check: async () => Promise.reject(new Error('HubSpot answered 503')) },
        ],
      }),
    );
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'not_ready',
      checks: [
        { name: 'database', ok: true },
        { name: 'hubspot', ok: false, reason: 'HubSpot answered 503' },
      ],
    });
  });

  it('answers every error as { error: { code, message } }, logging only the unexpected', async () => {
    const app = express();
    app.use(express.json());
    app.post('/typed', () => {
      throw new HttpError(409, 'pilot_overlaps', 'A pilot with this source already covers that period.');
    });
    app.post('/validated', (req) => {
      z.object({ threshold: z.number().min(0).max(1) }).parse(req.body);
    });
    app.get('/broken', () => {
      throw new Error('connection to patient index lost for EVERYMAN');
    });
    app.use(errorHandler(logger));
    const url = await serve(app);

    const typed = await fetch(`${url}/typed`, { method: 'POST' });
    expect(typed.status).toBe(409);
    expect(await typed.json()).toEqual({
      error: { code: 'pilot_overlaps', message: 'A pilot with this source already covers that period.' },
    });

    const invalid = await fetch(`${url}/validated`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ threshold: 3 }),
    });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({
      error: { code: 'invalid_request', errors: [{ path: 'threshold', message: expect.any(String) }] },
    });

    const badJson = await fetch(`${url}/validated`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"threshold":',
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toEqual({ error: { code: 'invalid_json', message: 'The request body is not valid JSON.' } });

    logged.length = 0;
    const broken = await fetch(`${url}/broken`);
    expect(broken.status).toBe(500);
    const body = await broken.text();
    expect(JSON.parse(body)).toEqual({ error: { code: 'internal_error', message: 'Something went wrong on the server.' } });
    expect(body).not.toContain('EVERYMAN');
    const errorLines = logged.filter((line) => line.includes('unexpected error'));
    expect(errorLines).toHaveLength(1);
    // Where it broke is logged; what the message quoted is not (it may be patient data).
    expect(errorLines[0]).toContain('"type":"Error"');
    expect(errorLines[0]).toContain('server.test.ts');
    expect(errorLines[0]).not.toContain('EVERYMAN');
  });

  it('answers unknown routes with 404 not_found', async () => {
    const url = await serve(buildApp({ logger, readiness: [] }));
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'not_found', message: 'No route for GET /nope' } });
  });
});
