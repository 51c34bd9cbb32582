import crypto from 'node:crypto';
import { Hl7Context, Hl7Message, Hl7Segment } from '@medplum/core';
import { splitHl7Batch } from './batch';
import { readDelimiters, type Delimiters } from './message';

export type AckCode = 'AA' | 'AE' | 'AR';

/**
 * The acknowledgment of a message (HL7 v2.x 2.9.2, original mode): MSA-1 the code, MSA-2 the message's control id
 * (MSH-10), and for AE/AR an ERR segment with the reason. Built by Medplum's Hl7Message.buildAck, which swaps
 * sender and receiver and mirrors the version and trigger (ACK^A01^ACK). A message whose header cannot be read is
 * still answered: with the standard delimiters and an empty MSA-2, so the sender sees the rejection.
 */
export function buildAck(text: string, code: AckCode, reason?: string): string {
  const original = readOriginal(text);
  const context = original?.context ?? new Hl7Context();
  const version = original?.getSegment('MSH')?.getField(12)?.getComponent(1) ?? '';
  const withError = code !== 'AA' && reason !== undefined && reason.trim() !== '';
  const ack = (original ?? new Hl7Message([], context)).buildAck({
    ackCode: code,
    ...(withError ? { errSegment: toErrSegment(reason, context, version) } : {}),
  });
  const header = ack.getSegment('MSH');
  // Medplum writes the ACK's time (MSH-7) in UTC without an offset, which a receiver would read as its local time.
  const sent = header?.getField(7)?.toString();
  if (sent && !/[+-]\d{4}$/.test(sent)) header?.setField(7, `${sent}+0000`);
  // Medplum numbers the ACK with the clock's milliseconds; two ACKs in one millisecond would share it.
  header?.setField(10, crypto.randomBytes(10).toString('hex'));
  // The processing id (P production, T training, D debugging) is the original's (MSH-11), not always P.
  const processingId = original?.getSegment('MSH')?.getField(11)?.toString();
  if (processingId) header?.setField(11, processingId);
  if (withError && isBefore25(version)) {
    // Before v2.5 the ERR segment has no text field: the reason goes in MSA-3 (text message, 80 characters).
    ack.getSegment('MSA')?.setField(3, escapeHl7(reason.slice(0, 80), delimitersOf(context)));
  }
  return ack.toString();
}

function readOriginal(text: string): Hl7Message | undefined {
  const first = splitHl7Batch(typeof text === 'string' ? text : '')[0]?.text;
  if (!first?.startsWith('MSH') || 'problem' in readDelimiters(first)) return undefined;
  try {
    return Hl7Message.parse(first);
  } catch {
    return undefined;
  }
}

function isBefore25(version: string): boolean {
  const match = /^2\.(\d+)/.exec(version);
  return match !== null && Number(match[1]) < 5;
}

/**
 * ERR for v2.5 and later: ERR-3 207 "application internal error" (HL7 table 0357), ERR-4 E (error), ERR-8 the
 * reason. Before v2.5, ERR-1 (error code and location) with the same code.
 */
function toErrSegment(reason: string, context: Hl7Context, version: string): Hl7Segment {
  const d = delimitersOf(context);
  if (isBefore25(version)) {
    return new Hl7Segment(['ERR', `${d.component.repeat(3)}207${d.subcomponent}Application internal error${d.subcomponent}HL70357`], context);
  }
  const code = ['207', 'Application internal error', 'HL70357'].join(d.component);
  return new Hl7Segment(['ERR', '', '', code, 'E', '', '', '', escapeHl7(reason, d)], context);
}

function delimitersOf(context: Hl7Context): Delimiters {
  return {
    field: context.fieldSeparator,
    component: context.componentSeparator,
    repetition: context.repetitionSeparator,
    escape: context.escapeCharacter,
    subcomponent: context.subcomponentSeparator,
  };
}

/** Escapes delimiters in text (HL7 v2.x 2.7.1) and turns line breaks into spaces. */
export function escapeHl7(text: string, d: Delimiters): string {
  const replacements = new Map([
    [d.escape, `${d.escape}E${d.escape}`],
    [d.field, `${d.escape}F${d.escape}`],
    [d.component, `${d.escape}S${d.escape}`],
    [d.subcomponent, `${d.escape}T${d.escape}`],
    [d.repetition, `${d.escape}R${d.escape}`],
  ]);
  // eslint-disable-next-line no-control-regex -- line breaks and other control characters become spaces
  return [...text.replace(/[\u0000-\u001f\u007f]+/g, ' ')].map((char) => replacements.get(char) ?? char).join('');
}
