import { z } from 'zod';
import { seededRandom } from '../../src/seededRandom';

/**
 * Fault injection: a plan of rules that make the sandbox fail the way HubSpot and the network in front of it fail,
 * so tests and the demo can prove that every write arrives exactly once and the client's error budget adds up.
 *
 * What HubSpot documents (https://developers.hubspot.com/docs/api-reference/error-handling): 429 when over a rate
 * limit (body with policyName, see rateLimit.ts), "502/504 timeouts" when its processing limits are met and "503
 * service temporarily unavailable", each to be retried after a pause of a few seconds. Timeouts and connection
 * resets are what a client sees of a load balancer or network giving up. A fault answered "after" is the
 * dangerous one: the write was applied and only the answer was lost, so the client's retry repeats a write that
 * already happened, which only an idempotent write survives.
 *
 * A rule counts the requests it matches (to HubSpot endpoints, past authentication, rate limits and scopes) from
 * the moment the plan is set, and fires on some of them by their position in that count: the next N, every k-th,
 * the listed ones, or a seeded fraction. Each rule counts every request it matches, whatever other rules do, so a
 * rule reads alone ("the 2nd and 3rd upserts"); when two rules fire on one request the first listed decides.
 */

export const RATE_LIMIT_POLICIES = ['TEN_SECONDLY_ROLLING', 'SECONDLY', 'DAILY'] as const;

const matchSchema = z.union([
  z.enum(['all', 'writes', 'search']),
  z.strictObject({ pathPrefix: z.string().startsWith('/') }),
]);

const faultSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('429'),
    policyName: z.enum(RATE_LIMIT_POLICIES),
    /**
     * HubSpot documents no Retry-After on 429s (it does on 477 Migration in Progress), so none is sent unless asked
     * for: a client must not depend on one, and must honour one where it comes (a third-party report has one on
     * the OAuth token endpoint: https://github.com/PostHog/posthog/pull/64726).
     */
    retryAfterSeconds: z.number().int().nonnegative().optional(),
  }),
  z.strictObject({
    kind: z.literal('5xx'),
    status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]),
    after: z.boolean().default(false),
  }),
  z.strictObject({
    kind: z.literal('timeout'),
    /** How long the request is held before it is answered or dropped. */
    holdMs: z.number().int().positive().max(120_000),
    then: z.enum(['answer', 'drop']).default('drop'),
    after: z.boolean().default(false),
  }),
  z.strictObject({ kind: z.literal('reset'), after: z.boolean().default(false) }),
]);

const whenSchema = z.union([
  /** The next N matching requests: positions 1..N. */
  z.strictObject({ next: z.number().int().positive() }),
  /** Every k-th matching request (positions k, 2k, ...), the first `times` of them. */
  z.strictObject({ every: z.number().int().positive(), times: z.number().int().positive().optional() }),
  /** The matching requests at these positions (1 is the first after the plan was set). */
  z.strictObject({ at: z.array(z.number().int().positive()).min(1) }),
  /** Each request with probability `fraction`, drawn from a PRNG seeded with `seed`: the same run fails alike. */
  z.strictObject({
    fraction: z.number().min(0).max(1),
    seed: z.number().int(),
    times: z.number().int().positive().optional(),
  }),
]);

export const faultRuleSchema = z.strictObject({
  match: matchSchema.default('all'),
  fault: faultSchema,
  when: whenSchema,
});

export const faultPlanSchema = z.strictObject({ rules: z.array(faultRuleSchema).max(100) });

/** A rule as written (defaults optional): what `setFaults` and POST /__sandbox/faults take. */
export type FaultRuleInput = z.input<typeof faultRuleSchema>;
export type FaultRule = z.output<typeof faultRuleSchema>;
export type Fault = FaultRule['fault'];

/** What the sandbox knows of a request when it decides. */
export interface FaultTarget {
  path: string;
  write: boolean;
  search: boolean;
}

/** The stats key of a fault, e.g. "429 SECONDLY", "503", "503 after", "timeout drop", "reset after". */
export function faultLabel(fault: Fault): string {
  switch (fault.kind) {
    case '429':
      return `429 ${fault.policyName}`;
    case '5xx':
      return `${fault.status}${fault.after ? ' after' : ''}`;
    case 'timeout':
      return `timeout ${fault.then}${fault.after ? ' after' : ''}`;
    case 'reset':
      return `reset${fault.after ? ' after' : ''}`;
  }
}

class ArmedRule {
  seen = 0;
  fired = 0;
  private readonly draw: (() => number) | undefined;

  constructor(readonly rule: FaultRule) {
    this.draw = 'fraction' in rule.when ? seededRandom(rule.when.seed) : undefined;
  }

  matches(target: FaultTarget): boolean {
    const { match } = this.rule;
    if (match === 'all') return true;
    if (match === 'writes') return target.write;
    if (match === 'search') return target.search;
    return target.path.startsWith(match.pathPrefix);
  }

  /** Counts a matching request and says whether its position is one this rule fails. */
  due(): boolean {
    this.seen += 1;
    const { when } = this.rule;
    if ('next' in when) return this.seen <= when.next;
    if ('every' in when) return this.seen % when.every === 0 && this.seen / when.every <= (when.times ?? Infinity);
    if ('at' in when) return when.at.includes(this.seen);
    // Drawn for every matching request, so which ones fail depends only on the seed and the order of requests.
    const drawn = (this.draw?.() ?? 1) < when.fraction;
    return drawn && this.fired < (when.times ?? Infinity);
  }
}

export class FaultPlan {
  private rules: ArmedRule[] = [];

  /** Replaces the plan (an empty list clears it); throws a ZodError on a malformed rule. */
  set(rules: readonly FaultRuleInput[]): void {
    this.rules = faultPlanSchema.parse({ rules }).rules.map((rule) => new ArmedRule(rule));
  }

  /** The plan with each rule's counters: how many requests it saw and how many it failed. */
  describe(): Array<FaultRule & { seen: number; fired: number }> {
    return this.rules.map(({ rule, seen, fired }) => ({ ...rule, seen, fired }));
  }

  decide(target: FaultTarget): Fault | undefined {
    let chosen: ArmedRule | undefined;
    for (const armed of this.rules) {
      if (armed.matches(target) && armed.due()) chosen ??= armed;
    }
    if (chosen) chosen.fired += 1;
    return chosen?.rule.fault;
  }
}
