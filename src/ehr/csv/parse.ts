import fs from 'node:fs';
import path from 'node:path';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { parse } from 'csv-parse';
import type { AdapterContext, ParseOutcome } from '../types';
import type { BoundFields } from './columns';
import { rowMapperFor, type ShownWords } from './mapRow';
import type { CsvProfile } from './profile';

/** One record of a report export, mapped. */
export interface CsvRowResult {
  /** The physical line where the record starts (1-based; title lines and the header count). */
  line: number;
  outcome: ParseOutcome;
  /**
   * The record keyed by its header's column names, when it was read whole, so that a refused row can be mapped
   * again once the profile is fixed (`mapCsvRow`). It holds patient data: store it server-side only, never log it.
   */
  row?: Record<string, string>;
}

/**
 * A record longer than this (in characters) stops the parser: no referral row comes near it, and it bounds the
 * memory a quote that is never closed can take.
 */
const maxRecordSize = 128_000;

/** Drops the report's title lines (up to and including the skipRows-th line feed) before the CSV parser sees them. */
class SkipLines extends Transform {
  constructor(private remaining: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let start = 0;
    while (this.remaining > 0) {
      const lineFeed = chunk.indexOf(10, start);
      if (lineFeed === -1) return done();
      this.remaining -= 1;
      start = lineFeed + 1;
    }
    done(null, start === 0 ? chunk : chunk.subarray(start));
  }
}

/** Line breaks inside a record's values (only quoted values can hold them): CRLF, LF or CR each count once. */
function lineBreaksIn(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) {
    if (field.indexOf('\n') === -1 && field.indexOf('\r') === -1) continue;
    count += field.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return count;
}

const isBlank = (fields: readonly string[]) => fields.every((field) => field.trim() === '');

/**
 * With relaxed quotes, a quote that is never closed runs on to the next quote in the file, usually the opening
 * quote of a value on a later line, which csv-parse then keeps as text at the start of the merged value. A value
 * holding a line break and starting with a literal quote is that signature: the record swallowed whole rows, even
 * when its field count happens to come out right.
 */
const looksSwallowed = (field: string) => field.startsWith('"') && /[\r\n]/.test(field);

const skipReasons: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED:
    'a quoted value opened in the record starting on this line is never closed, so the rest of the file (this line to the end) could not be read as rows: close the quote, or export the report again',
  CSV_MAX_RECORD_SIZE: `the record starting on this line grows past ${maxRecordSize} characters, most likely because a quote opened in it is never closed; the parser cannot find where the next row starts, so the rest of the file (this line to the end) was not read`,
};

/**
 * Reads a report export as a stream and maps each row to events, in order, with bounded memory (a record at a time).
 *
 * - Line numbers are physical lines where each record starts, counted here rather than taken from csv-parse (whose
 *   count goes wrong on CRLF inside quoted values): title lines and the header count, and a quoted value with line
 *   breaks moves the next record's line on by as many lines.
 * - Quotes are relaxed: a stray quote inside a value is kept as text. A quote that is never closed swallows the
 *   following lines up to the next quote; the merged record is refused (by its signature, its field count, or
 *   values that do not map), naming the lines it ran over, so no row is lost without a report.
 * - A record whose field count differs from the header's is refused. Blank lines are skipped.
 * - What csv-parse cannot recover from (a quote never closed to the end of the file, a runaway record) is reported
 *   at the line where that record starts, saying that the rest of the file was not read.
 * - A header missing the profile's columns yields one refusal and nothing else.
 *
 * The content never makes the iteration throw; the stream's own errors (a file that cannot be read) do.
 */
export async function* parseCsvStream(
  stream: Readable,
  fileName: string,
  profile: CsvProfile,
  ctx: AdapterContext,
): AsyncGenerator<CsvRowResult, void, undefined> {
  const mapper = rowMapperFor(profile);
  const shownWords: ShownWords = new Map();
  const rowContext = { ...ctx, fileName };
  const refuse = (line: number, reason: string): CsvRowResult => ({ line, outcome: { ok: false, reason, position: `${fileName}:${line}` } });

  const skipped: Array<{ afterRecords: number; code: string }> = [];
  const parser = parse({
    delimiter: profile.delimiter,
    encoding: profile.encoding,
    bom: true,
    // Fixed rather than discovered from the first line, so a file mixing CRLF and LF still splits on both.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_quotes: true,
    relax_column_count: true,
    skip_records_with_error: true,
    max_record_size: maxRecordSize,
    // Called while the parser pushes records, so the count places the skipped record among them.
    on_skip: (error) => {
      skipped.push({ afterRecords: parser.info.records, code: error?.code ?? 'CSV_UNKNOWN_ERROR' });
    },
  });
  const done = (error: NodeJS.ErrnoException | null) => {
    // A source error reaches the loop below through the parser; an early stop by the consumer is not an error.
    void error;
  };
  if (profile.skipRows > 0) pipeline(stream, new SkipLines(profile.skipRows), parser, done);
  else pipeline(stream, parser, done);

  let nextLine = profile.skipRows + 1;
  let recordsRead = 0;
  let lastSkipReported = -1;
  let header: { line: number; names: string[]; width: number; fields: BoundFields } | undefined;
  function* reportSkips(upTo: number): Generator<CsvRowResult> {
    while (skipped.length > 0 && skipped[0]!.afterRecords <= upTo) {
      const { afterRecords, code } = skipped.shift()!;
      // A runaway record is reported on every chunk that follows it; once is enough.
      if (afterRecords === lastSkipReported) continue;
      lastSkipReported = afterRecords;
      const reason = skipReasons[code] ?? `the record starting on this line cannot be read as CSV (${code}) and was skipped`;
      yield refuse(nextLine, header === undefined ? `the header: ${reason}. No row of this file was read.` : reason);
    }
  }

  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      yield* reportSkips(recordsRead);
      recordsRead += 1;
      const line = nextLine;
      const span = 1 + lineBreaksIn(fields);
      nextLine += span;
      if (isBlank(fields)) continue;
      const spanNote =
        span > 1
          ? ` (the record runs over lines ${line}-${line + span - 1}: if a quote opened on line ${line} is never closed, the rows on the lines after it were read into this one)`
          : '';

      const swallowed = span > 1 && fields.some(looksSwallowed);
      if (header === undefined) {
        if (swallowed) {
          yield refuse(line, `the header: a quote opened on line ${line} is never closed, so the header runs over lines ${line}-${line + span - 1} and swallowed the rows there. No row of this file was read.`);
          return;
        }
        const binding = mapper.bind(fields);
        if (!binding.ok) {
          yield refuse(line, binding.reason);
          return;
        }
        header = { line, names: fields.map((name) => name.trim()), width: fields.length, fields: binding.fields };
        continue;
      }

      if (swallowed) {
        yield refuse(
          line,
          `a quote opened on line ${line} is never closed: one value runs over lines ${line}-${line + span - 1} up to the next quote, so the rows on those lines were not read`,
        );
        continue;
      }
      if (fields.length !== header.width) {
        yield refuse(line, `the row has ${fields.length} fields where the header (line ${header.line}) has ${header.width}${spanNote}`);
        continue;
      }
      const row: Record<string, string> = {};
      header.names.forEach((name, index) => {
        row[name] = fields[index] ?? '';
      });
      yield { line, outcome: mapper.mapCells(header.fields, fields, line, rowContext, { note: spanNote, shownWords }), row };
    }
    yield* reportSkips(Number.POSITIVE_INFINITY);
    if (header === undefined && lastSkipReported === -1) {
      yield refuse(
        profile.skipRows + 1,
        profile.skipRows > 0
          ? `the file has no header row after its ${profile.skipRows} title line(s) (profile "${profile.name}", skipRows)`
          : 'the file has no header row: it is empty',
      );
    }
  } finally {
    // The consumer may stop early: release the file.
    parser.destroy();
    stream.destroy();
  }
}

/** `parseCsvStream` over a file, read as it is consumed; positions name the file by its base name. */
export async function* parseCsvFile(
  filePath: string,
  profile: CsvProfile,
  ctx: AdapterContext,
): AsyncGenerator<CsvRowResult, void, undefined> {
  yield* parseCsvStream(fs.createReadStream(filePath, { highWaterMark: 256 * 1024 }), path.basename(filePath), profile, ctx);
}
