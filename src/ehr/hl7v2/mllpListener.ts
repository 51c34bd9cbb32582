import net, { type AddressInfo } from 'node:net';
import { Hl7Message, OperationOutcomeError } from '@medplum/core';
import { Hl7Connection, type Hl7ErrorEvent, type Hl7MessageEvent } from '@medplum/hl7';
import { describeErrorSafely, type Logger } from '../../logger';
import { buildAck, type AckCode } from './ack';
import { splitHl7Batch } from './batch';

export interface MllpListenerOptions {
  port: number;
  /** The interface to bind; every interface when omitted. A PHI feed is best bound to the one the EHR reaches. */
  host?: string;
  /** Handles one message; its answer becomes the ACK. A throw or rejection is answered AE. */
  onMessage(text: string): Promise<{ code: AckCode; reason?: string }>;
  /** The feed's character encoding (an iconv-lite name): MSH-18 is not read. Default UTF-8. */
  encoding?: string;
  /** A connection that sends more than this without ending a message is closed. Default 16 MiB. */
  maxMessageBytes?: number;
  /** Where failures of onMessage and of framing are logged (error kind and stack only, never the message). */
  logger?: Logger;
}

export interface MllpListener {
  port: number;
  /** Stops accepting, lets messages being handled finish and be acknowledged, then closes every connection. */
  close(): Promise<void>;
}

const FS = 0x1c;
const CR = 0x0d;

/**
 * An MLLP listener (HL7 v2 over TCP, framed VT ... FS CR). Each connection is Medplum's Hl7Connection, the same one
 * @medplum/hl7's Hl7Server creates; the server socket is our own because Hl7Server.start(port) binds every
 * interface, reports neither the port it got nor a port in use (it retries EADDRINUSE forever), and waits up to
 * 10 s for clients when stopped. Around Hl7Connection's framing, which reads a message only when a TCP chunk ends
 * with FS CR:
 * - frames that arrive together in one chunk reach us as one message and are split again, each acknowledged;
 * - a frame that does not parse (not MSH) leaves Hl7Connection's buffer stuck, so it is answered AR and the
 *   connection closed (the sender reconnects); other connections are untouched;
 * - messages of one connection are handled one at a time, so ACKs go back in order;
 * - an ACK received is never acknowledged.
 */
export async function startMllpListener(options: MllpListenerOptions): Promise<MllpListener> {
  const connections = new Set<Hl7Connection>();
  const inFlight = new Set<Promise<void>>();
  const maxBytes = options.maxMessageBytes ?? 16 * 1024 * 1024;

  const answer = async (connection: Hl7Connection, text: string): Promise<void> => {
    if (isAcknowledgment(text)) return;
    let result: { code: AckCode; reason?: string };
    try {
      result = await options.onMessage(text);
      if (!result || !['AA', 'AE', 'AR'].includes(result.code)) {
        result = { code: 'AE', reason: 'the message handler gave no acknowledgment code' };
      }
    } catch (error) {
      options.logger?.error({ error: describeErrorSafely(error) }, 'MLLP message handler failed');
      result = { code: 'AE', reason: 'the message could not be processed (internal error)' };
    }
    send(connection, buildAck(text, result.code, result.reason));
  };

  const server = net.createServer((socket) => {
    const connection = new Hl7Connection(socket, options.encoding ?? 'utf-8');
    connections.add(connection);
    let queue = Promise.resolve();
    let pending = 0;

    socket.on('data', (chunk: Buffer) => {
      pending = chunk.at(-2) === FS && chunk.at(-1) === CR ? 0 : pending + chunk.length;
      if (pending > maxBytes) {
        options.logger?.warn({ bytes: pending }, 'MLLP connection closed: message larger than the limit');
        void connection.close();
      }
    });

    connection.addEventListener('message', (event: Hl7MessageEvent) => {
      // A listener that throws would surface as an uncaught exception, and a rejected queue would stop the
      // connection's later messages: nothing below may throw or reject.
      for (const { text } of splitHl7Batch(event.message.toString())) {
        const handled = queue
          .then(() => answer(connection, text))
          .catch((error: unknown) => options.logger?.error({ error: describeErrorSafely(error) }, 'MLLP acknowledgment failed'))
          .finally(() => inFlight.delete(handled));
        queue = handled;
        inFlight.add(handled);
      }
    });

    connection.addEventListener('error', (event: Hl7ErrorEvent) => {
      const error = event.error as Error & { code?: unknown };
      // Socket errors end the connection by themselves; an ACK for an unknown control id is only a warning.
      if (error instanceof OperationOutcomeError || typeof error.code === 'string') return;
      options.logger?.warn({ error: describeErrorSafely(error) }, 'MLLP frame could not be read: answered AR, connection closed');
      send(connection, buildAck('', 'AR', 'the frame does not hold an HL7 v2 message (no MSH segment)'));
      void connection.close();
    });

    connection.addEventListener('close', () => connections.delete(connection));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => options.logger?.error({ error: describeErrorSafely(error) }, 'MLLP listener error'));

  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...inFlight]);
      await Promise.allSettled([...connections].map((connection) => connection.close()));
      await closed;
    },
  };
}

function send(connection: Hl7Connection, ack: string): void {
  if (connection.isClosed() || !connection.socket.writable) return;
  try {
    connection.send(Hl7Message.parse(ack));
  } catch {
    // The peer went away between the check and the write: nothing to answer.
  }
}

/** MSH-9.1 is ACK (HL7 v2.x 2.9.2: an acknowledgment is never acknowledged). */
function isAcknowledgment(text: string): boolean {
  const header = text.split(/\r|\n/, 1)[0] ?? '';
  const [fieldSeparator, componentSeparator] = [header.charAt(3), header.charAt(4)];
  if (!header.startsWith('MSH') || !fieldSeparator || !componentSeparator) return false;
  return header.split(fieldSeparator)[8]?.split(componentSeparator)[0] === 'ACK';
}
