import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * HL7 v2 files: one message or many, as interface engines write them (one after another, MLLP-framed or not, in
 * FHS/BHS batches, with CR, LF or CRLF between segments).
 */

export interface Hl7Input {
  /** One message, its segments separated by CR as the standard has it. */
  text: string;
  /** Where it was: "#3" (the third message), "file.hl7#3" from readHl7Path. */
  position: string;
}

/** File and batch header and trailer segments (HL7 v2.x 2.10.3): they frame messages and are not part of any. */
const batchSegments = new Set(['FHS', 'BHS', 'BTS', 'FTS']);

/**
 * Splits text into messages, each starting at an MSH segment. Text that precedes the first MSH (or follows a batch
 * trailer) and is not blank is returned as an input of its own, so that a reader refuses it with a reason rather
 * than it being lost without a trace.
 */
export function splitHl7Batch(text: string): Hl7Input[] {
  const messages: string[][] = [];
  let current: string[] | undefined;
  // eslint-disable-next-line no-control-regex -- MLLP framing bytes (VT, FS) separate messages like line breaks
  for (const rawLine of text.replace(/[\u000b\u001c]/g, '\n').split(/\r\n|\r|\n/)) {
    const line = rawLine.replace(/^[\s\uFEFF]+/, '');
    if (line.trim() === '') continue;
    const name = line.slice(0, 3);
    if (name === 'MSH') {
      current = [line];
      messages.push(current);
    } else if (batchSegments.has(name) && !/^[A-Z0-9]/.test(line.charAt(3))) {
      current = undefined;
    } else if (current) {
      current.push(line);
    } else {
      current = [line];
      messages.push(current);
    }
  }
  return messages.map((segments, index) => ({ text: segments.join('\r'), position: `#${index + 1}` }));
}

/** File names read from a folder (case-insensitive). */
const messageFile = /\.(hl7|txt|msg)$/i;
const byName = new Intl.Collator('en', { numeric: true }).compare;

/**
 * Reads the messages of one file, or of every .hl7/.txt/.msg file of a folder (not its subfolders) in name order.
 * Files are read as UTF-8, or as Latin-1 when they are not valid UTF-8 (older interface engines write ISO-8859-1).
 */
export async function* readHl7Path(target: string): AsyncIterable<Hl7Input> {
  const info = await stat(target);
  const files = info.isDirectory()
    ? (await readdir(target, { withFileTypes: true }))
        .filter((entry) => entry.isFile() && messageFile.test(entry.name))
        .map((entry) => entry.name)
        .sort(byName)
        .map((name) => path.join(target, name))
    : [target];
  for (const file of files) {
    const name = path.basename(file);
    for (const input of splitHl7Batch(decodeText(await readFile(file)))) {
      yield { text: input.text, position: `${name}${input.position}` };
    }
  }
}

function decodeText(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}
