import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { startMllpListener, type MllpListener } from '../../src/ehr/hl7v2';

const fixtureDir = path.resolve(__dirname, '../fixtures/external/hl7v2');
const fixture = (name: string): string => fs.readFileSync(path.join(fixtureDir, name), 'utf8');
const asMessage = (name: string): Hl7Message => Hl7Message.parse(fixture(name).replace(/\n/g, '\r'));
const msa = (ack: Hl7Message, field: number) => ack.getSegment('MSA')?.getField(field)?.toString();

/** Sends raw bytes on a socket of its own and collects the MLLP frames that come back until `count` arrived. */
async function exchange(port: number, bytes: string, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(bytes));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      const frames = received.split('\u001c\r').filter((frame) => frame.startsWith('\u000b')).map((frame) => frame.slice(1));
      if (frames.length >= count) {
        socket.destroy();
        resolve(frames);
      }
    });
    socket.on('error', reject);
    setTimeout(() => reject(new Error(`no ${count} frames; got ${JSON.stringify(received)}`)), 5000).unref();
  });
}

describe('the MLLP listener', () => {
  let listener: MllpListener | undefined;
  let client: Hl7Client | undefined;
  afterEach(async () => {
    await client?.close();
    await listener?.close();
    client = undefined;
    listener = undefined;
  });

  it('passes each message to the handler and acknowledges it AA with its control id in MSA-2', async () => {
    const seen: string[] = [];
    listener = await startMllpListener({
      port: 0,
      host: '127.0.0.1',
      onMessage: async (text) => {
        seen.push(Hl7Message.parse(text).getSegment('MSH')?.getField(9)?.toString() ?? '');
        return { code: 'AA' };
      },
    });
    expect(listener.port).toBeGreaterThan(0);
    client = new Hl7Client({ host: '127.0.0.1', port: listener.port });
    const first = await client.sendAndWait(asMessage('REF-I12-01.hl7'));
    const second = await client.sendAndWait(asMessage('ADT-A01-01.hl7'));
    expect([msa(first, 1), msa(first, 2)]).toEqual(['AA', 'MSG00112']);
    expect([msa(second, 1), msa(second, 2)]).toEqual(['AA', 'MSG00001']);
    expect(seen).toEqual(['REF^I12^REF_I12', 'ADT^A01^ADT_A01']);
  });

  it('answers AE when the handler throws, and goes on answering the next message AA', async () => {
    let calls = 0;
    listener = await startMllpListener({
      port: 0,
      host: '127.0.0.1',
      onMessage: async () => {
        calls += 1;
        if (calls === 1) throw new Error('database down');
        return { code: 'AA' };
      },
    });
    client = new Hl7Client({ host: '127.0.0.1', port: listener.port });
    const failed = await client.sendAndWait(asMessage('REF-I12-01.hl7'));
    expect([msa(failed, 1), msa(failed, 2)]).toEqual(['AE', 'MSG00112']);
    // The error's own message is not sent back: it could hold anything.
    expect(failed.getSegment('ERR')?.getField(8)?.toString()).not.toContain('database down');
    const next = await client.sendAndWait(asMessage('ADT-A01-01.hl7'));
    expect([msa(next, 1), msa(next, 2)]).toEqual(['AA', 'MSG00001']);
  });

  it("passes the handler's refusal back: its code, and its reason in ERR", async () => {
    listener = await startMllpListener({ port: 0, host: '127.0.0.1', onMessage: async () => ({ code: 'AR', reason: 'RF1-6 is empty' }) });
    client = new Hl7Client({ host: '127.0.0.1', port: listener.port });
    const ack = await client.sendAndWait(asMessage('REF-I14-01.hl7'));
    expect([msa(ack, 1), ack.getSegment('ERR')?.getField(8)?.toString()]).toEqual(['AR', 'RF1-6 is empty']);
  });

  it('acknowledges each of two messages that arrive in one TCP write', async () => {
    listener = await startMllpListener({ port: 0, host: '127.0.0.1', onMessage: async () => ({ code: 'AA' }) });
    const frame = (name: string) => `\u000b${asMessage(name).toString()}\u001c\r`;
    const acks = await exchange(listener.port, frame('ADT-A11-01.hl7') + frame('REF-I14-01.hl7'), 2);
    expect(acks.map((ack) => msa(Hl7Message.parse(ack), 2))).toEqual(['MSG00001', 'MSG00112']);
  });

  it('answers a frame that holds no message AR, closes that connection, and serves the next one', async () => {
    listener = await startMllpListener({ port: 0, host: '127.0.0.1', onMessage: async () => ({ code: 'AA' }) });
    const [rejected] = await exchange(listener.port, '\u000bnot hl7 at all\u001c\r', 1);
    expect(msa(Hl7Message.parse(rejected ?? ''), 1)).toBe('AR');
    client = new Hl7Client({ host: '127.0.0.1', port: listener.port });
    const ack = await client.sendAndWait(asMessage('ADT-A13-01.hl7'));
    expect(msa(ack, 1)).toBe('AA');
  });

  it('reports a port already in use instead of waiting for it', async () => {
    listener = await startMllpListener({ port: 0, host: '127.0.0.1', onMessage: async () => ({ code: 'AA' }) });
    await expect(startMllpListener({ port: listener.port, host: '127.0.0.1', onMessage: async () => ({ code: 'AA' }) })).rejects.toThrow(/EADDRINUSE/);
  });
});
