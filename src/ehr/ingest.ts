import fs from 'node:fs';
import path from 'node:path';
import { nonAdmitReasonsOf } from '../config/tenantSettings';
import type { Tenant } from '../store/tenants';
import type { EhrStore, RawInput, RecordResult } from '../store/ehrStore';
import { loadProfile, mapCsvRow, parseCsvFile, type CsvProfile } from './csv';
import { parseFhirPayload } from './fhir';
import { parseHl7Message, readHl7Path } from './hl7v2';
import { parseJsonDocument } from './json/parseJson';
import { createPatientHasher } from './patientHash';
import type { AdapterContext, ParseOutcome } from './types';

export type Format = RawInput['format'];

export interface IngestSummary {
  accepted: number;
  duplicates: number;
  quarantined: number;
  /** Quarantine reasons and how often each came up. */
  reasons: Record<string, number>;
}

export interface IngestProgress {
  filesDone: number;
  filesTotal: number;
  records: number;
}

export const emptySummary = (): IngestSummary => ({ accepted: 0, duplicates: 0, quarantined: 0, reasons: {} });

export function tally(summary: IngestSummary, result: RecordResult): void {
  if (result.status === 'accepted') summary.accepted += 1;
  else if (result.status === 'duplicate') summary.duplicates += 1;
  else {
    summary.quarantined += 1;
    summary.reasons[result.reason] = (summary.reasons[result.reason] ?? 0) + 1;
  }
}

/** What a quarantined CSV row keeps, so that a retry can map it again (after the profile was fixed, say). */
interface CsvQuarantinePayload {
  profile: string;
  fileName: string;
  line: number;
  row: Record<string, string>;
}

/** Formats whose input is one self-contained text message. */
const messageParsers: Record<Exclude<Format, 'csv'>, (text: string, ctx: AdapterContext) => ParseOutcome> = {
  hl7v2: parseHl7Message,
  fhir: (text, ctx) => {
    try {
      return parseFhirPayload(JSON.parse(text) as unknown, ctx);
    } catch {
      return { ok: false, reason: 'the body is not valid JSON' };
    }
  },
  json: parseJsonDocument,
};

/**
 * Takes input from any feed for one tenant: runs the format's adapter, then stores the result (events, or the input
 * in quarantine). The one path every feed goes through: MLLP, files and folders, pushes, polling, quarantine retries.
 */
export class Ingestor {
  private readonly waiting: Array<{
    item: { outcome: ParseOutcome; input: RawInput };
    resolve: (result: RecordResult) => void;
    reject: (error: unknown) => void;
  }> = [];
  private draining = false;

  /** The settings messages are read with (time zone, non-admit reasons): the tenant's as last read. */
  private settings: Tenant['settings'];

  private constructor(
    private readonly store: EhrStore,
    readonly tenant: Tenant,
    private readonly hashPatient: AdapterContext['hashPatient'],
    private readonly current?: () => Promise<Tenant | undefined>,
  ) {
    this.settings = tenant.settings;
  }

  /**
   * An ingestor for the tenant. A long-running one (the server's) gives `current`, the tenant as it is now (a short
   * cache of it): each message and file is then read with the settings of the moment, so a time zone or a non-admit
   * reason changed on the settings page applies to the next message, not after a restart.
   */
  static async forTenant(store: EhrStore, tenant: Tenant, current?: () => Promise<Tenant | undefined>): Promise<Ingestor> {
    return new Ingestor(store, tenant, createPatientHasher(await store.patientHashKey(tenant.tenantId)), current);
  }

  private async refresh(): Promise<void> {
    if (this.current) this.settings = (await this.current())?.settings ?? this.settings;
  }

  context(feed: string): AdapterContext {
    return {
      feed,
      timeZone: this.settings.timeZone,
      hashPatient: this.hashPatient,
      nonAdmitReasons: nonAdmitReasonsOf(this.settings).map((reason) => reason.value),
    };
  }

  /** One HL7 message, FHIR document or JSON document. */
  async message(format: Exclude<Format, 'csv'>, text: string, feed: string, position?: string): Promise<RecordResult> {
    await this.refresh();
    const outcome = messageParsers[format](text, this.context(feed));
    return this.enqueue({ outcome, input: { format, feed, payload: text, ...(position ? { position } : {}) } });
  }

  /**
   * Messages that arrive while a transaction is being committed (from several MLLP connections, say) are stored
   * together in the next one: each keeps its own events whole and gets its own answer, and the database commits
   * once for all of them. Alone, a message is stored at once.
   */
  private enqueue(item: { outcome: ParseOutcome; input: RawInput }): Promise<RecordResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, 200);
        try {
          const results = await this.store.recordMany(this.tenant.tenantId, batch.map((entry) => entry.item));
          batch.forEach((entry, index) => entry.resolve(results[index] ?? { status: 'duplicate' }));
        } catch {
          // One message must not fail the others: alone, each succeeds or fails on its own.
          for (const entry of batch) {
            await this.store.record(this.tenant.tenantId, entry.item.outcome, entry.item.input).then(entry.resolve, entry.reject);
          }
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** Every row of a CSV export, streamed, stored in chunks (one transaction each). */
  async csvFile(file: string, profileName: string, onRecord?: () => void): Promise<IngestSummary> {
    const profile = await loadProfile(profileName);
    const fileName = path.basename(file);
    const feed = `csv:${profile.name}`;
    await this.refresh();
    const ctx = { ...this.context(feed), fileName };
    async function* rows() {
      for await (const { line, row, outcome } of parseCsvFile(file, profile, ctx)) {
        const payload: CsvQuarantinePayload = { profile: profileName, fileName, line, row: row ?? {} };
        yield { outcome, input: { format: 'csv' as const, feed, payload: JSON.stringify(payload), position: `${fileName}:${line}` } };
      }
    }
    return this.recordInChunks(rows(), onRecord);
  }

  /** The messages of an HL7 file, stored in chunks. */
  async hl7File(file: string, onRecord?: () => void): Promise<IngestSummary> {
    const feed = `file:${path.basename(file)}`;
    await this.refresh();
    const ctx = this.context(feed);
    async function* messages() {
      for await (const { text, position } of readHl7Path(file)) {
        yield { outcome: parseHl7Message(text, ctx), input: { format: 'hl7v2' as const, feed, payload: text, position } };
      }
    }
    return this.recordInChunks(messages(), onRecord);
  }

  /**
   * Stores inputs `size` at a time, one transaction per chunk; the next chunk is read and mapped while the database
   * stores the previous one (the two use different cores).
   */
  private async recordInChunks(
    items: AsyncIterable<{ outcome: ParseOutcome; input: RawInput }>,
    onRecord?: () => void,
    size = 1000,
  ): Promise<IngestSummary> {
    const summary = emptySummary();
    const store = async (chunk: Array<{ outcome: ParseOutcome; input: RawInput }>) => {
      for (const result of await this.store.recordMany(this.tenant.tenantId, chunk)) {
        tally(summary, result);
        onRecord?.();
      }
    };
    // A failed chunk's error is kept and thrown at the next wait, never left as an unhandled rejection.
    let failure: { error: unknown } | undefined;
    let storing: Promise<void> = Promise.resolve();
    const waitForStoring = async () => {
      await storing;
      if (failure) throw failure.error;
    };
    let chunk: Array<{ outcome: ParseOutcome; input: RawInput }> = [];
    for await (const item of items) {
      chunk.push(item);
      if (chunk.length >= size) {
        await waitForStoring();
        storing = store(chunk).catch((error: unknown) => {
          failure = { error };
        });
        chunk = [];
      }
    }
    await waitForStoring();
    if (chunk.length > 0) await store(chunk);
    return summary;
  }

  /** A file or a folder of files; the format is taken from each file's extension unless given. */
  async path(
    target: string,
    options: { format?: Format; profile?: string; onProgress?: (progress: IngestProgress) => void } = {},
  ): Promise<IngestSummary> {
    const files = listFiles(target);
    const summary = emptySummary();
    const progress: IngestProgress = { filesDone: 0, filesTotal: files.length, records: 0 };
    const counted = () => {
      progress.records += 1;
      options.onProgress?.(progress);
    };
    for (const file of files) {
      const format = options.format ?? formatOf(file);
      if (format === 'csv') {
        merge(summary, await this.csvFile(file, options.profile ?? 'generic', counted));
      } else if (format === 'hl7v2') {
        merge(summary, await this.hl7File(file, counted));
      } else {
        tally(summary, await this.message(format, fs.readFileSync(file, 'utf8'), `file:${path.basename(file)}`, path.basename(file)));
        counted();
      }
      progress.filesDone += 1;
      options.onProgress?.(progress);
    }
    return summary;
  }

  /** Maps quarantined input again (after a mapping or profile was fixed); what goes through leaves the quarantine. */
  async retryQuarantine(
    ids?: number[],
    options: { /** For CSV rows: read them with this profile (e.g. a copy with the missing wording added). */ profile?: string } = {},
  ): Promise<IngestSummary & { resolved: number }> {
    const summary = { ...emptySummary(), resolved: 0 };
    for (const entry of await this.store.quarantinedInputs(this.tenant.tenantId, ids)) {
      let outcome: ParseOutcome;
      if (entry.format === 'csv') {
        const saved = JSON.parse(entry.payload) as CsvQuarantinePayload;
        const profile: CsvProfile = await loadProfile(options.profile ?? saved.profile);
        outcome = mapCsvRow(saved.row, saved.line, profile, { ...this.context(entry.feed), fileName: saved.fileName });
      } else {
        outcome = messageParsers[entry.format](entry.payload, this.context(entry.feed));
      }
      if (!outcome.ok) {
        await this.store.settleQuarantine(this.tenant.tenantId, entry.quarantineId, { resolved: false, reason: outcome.reason });
        tally(summary, { status: 'quarantined', quarantineId: entry.quarantineId, reason: outcome.reason });
        continue;
      }
      const result = await this.store.record(this.tenant.tenantId, outcome, {
        format: entry.format,
        feed: entry.feed,
        payload: entry.payload,
        ...(entry.position ? { position: entry.position } : {}),
      });
      tally(summary, result);
      if (result.status !== 'quarantined') {
        await this.store.settleQuarantine(this.tenant.tenantId, entry.quarantineId, { resolved: true });
        summary.resolved += 1;
      }
    }
    return summary;
  }
}

function merge(into: IngestSummary, from: IngestSummary): void {
  into.accepted += from.accepted;
  into.duplicates += from.duplicates;
  into.quarantined += from.quarantined;
  for (const [reason, count] of Object.entries(from.reasons)) into.reasons[reason] = (into.reasons[reason] ?? 0) + count;
}

const extensions: Record<string, Format> = {
  '.hl7': 'hl7v2',
  '.msg': 'hl7v2',
  '.txt': 'hl7v2',
  '.csv': 'csv',
  '.json': 'fhir',
};

/** The format a file's extension says; a .json file is FHIR unless it is a Referralynx JSON document. */
export function formatOf(file: string): Format {
  const format = extensions[path.extname(file).toLowerCase()];
  if (!format) throw new Error(`${path.basename(file)}: unknown file type (use .hl7, .txt, .msg, .csv or .json, or --format)`);
  if (format === 'fhir') {
    const head = fs.readFileSync(file, 'utf8').slice(0, 4096);
    if (/"messageId"\s*:/.test(head) && /"events"\s*:/.test(head) && !/"resourceType"\s*:/.test(head)) return 'json';
  }
  return format;
}

/** A file, or the files of a folder and its subfolders, sorted by path so a replay is in the same order. */
export function listFiles(target: string): string[] {
  const stat = fs.statSync(target);
  if (stat.isFile()) return [target];
  return fs
    .readdirSync(target, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.') && path.extname(entry.name).toLowerCase() in extensions)
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}
