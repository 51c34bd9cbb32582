/** What the sandbox has served, for tests and the demo to count calls (e.g. "a second provisioning run writes nothing"). */
export interface SandboxStats {
  /** Every request served, including 401s, 403s and 429s. */
  requests: number;
  /** Requests to endpoints that change data that got past authentication, scopes and rate limits. */
  writes: number;
  /** 429s answered, injected ones included. */
  rateLimited: number;
  /** Faults injected by the fault plan, by kind (faults.ts faultLabel), e.g. {"503": 2, "reset after": 1}. */
  faults: Record<string, number>;
  /** Requests per endpoint, keyed by HubSpot's path template, e.g. "POST /crm/v3/objects/{objectType}/batch/upsert". */
  byRoute: Record<string, number>;
  /** The last entries (at most LOG_CAPACITY), oldest first; `at` is when the request arrived; status 0: no answer. */
  log: Array<{ at: number; method: string; path: string; status: number }>;
}

const LOG_CAPACITY = 100_000;

type LogEntry = SandboxStats['log'][number];

export class StatsRecorder {
  private requests = 0;
  private writes = 0;
  private rateLimited = 0;
  private byRoute = new Map<string, number>();
  private faults = new Map<string, number>();
  // A ring buffer: appending never shifts 100k entries.
  private log: LogEntry[] = [];
  private next = 0;

  record(entry: LogEntry & { route: string; wrote: boolean }): void {
    this.requests += 1;
    if (entry.status === 429) this.rateLimited += 1;
    if (entry.wrote) this.writes += 1;
    this.byRoute.set(entry.route, (this.byRoute.get(entry.route) ?? 0) + 1);
    const logged = { at: entry.at, method: entry.method, path: entry.path, status: entry.status };
    if (this.log.length < LOG_CAPACITY) this.log.push(logged);
    else this.log[this.next] = logged;
    this.next = (this.next + 1) % LOG_CAPACITY;
  }

  recordFault(label: string): void {
    this.faults.set(label, (this.faults.get(label) ?? 0) + 1);
  }

  snapshot(): SandboxStats {
    const log =
      this.log.length < LOG_CAPACITY ? [...this.log] : [...this.log.slice(this.next), ...this.log.slice(0, this.next)];
    return {
      requests: this.requests,
      writes: this.writes,
      rateLimited: this.rateLimited,
      faults: Object.fromEntries(this.faults),
      byRoute: Object.fromEntries(this.byRoute),
      log,
    };
  }

  reset(): void {
    this.requests = 0;
    this.writes = 0;
    this.rateLimited = 0;
    this.byRoute = new Map();
    this.faults = new Map();
    this.log = [];
    this.next = 0;
  }
}
