import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Clock } from '../../src/clock';
import { lastMonths, laterDay, monthlySeries, nonAdmitBreakdown, statusHistory, toPilotLine, toReferralLine, type LocalMonth } from '../../src/domain/cards';
import { checkInDueDay, closeTheLoopMessage, followUpRuleLabel, messageForSource } from '../../src/domain/followUps';
import { partnerSummaryText, periodContaining, periodTitle, summarizePartner } from '../../src/domain/partnerSummary';
import { NO_PILOT_FACTS, pilotProgress, pilotSchema, type PilotDefinition } from '../../src/domain/pilots';
import { hoursToStartOfCare } from '../../src/domain/referralLifecycle';
import { WINDOWS, type Scorecard } from '../../src/domain/scorecard';
import { timelyInitiation } from '../../src/domain/timelyInitiation';
import { nonAdmitTerms } from '../../src/domain/nonAdmitReasons';
import { followUpRules, timelyInitiationOutcomes } from '../../src/domain/vocabulary';
import { nonAdmitReasonsOf } from '../../src/config/tenantSettings';
import type { HubSpot } from '../../src/hubspot/client';
import { NEXT_CHECK_IN_PROPERTY } from '../../src/hubspot/dataModel';
import { HubSpotApiError, HubSpotUnavailableError } from '../../src/hubspot/errors';
import { verifyHubSpotRequest } from '../../src/hubspot/signature';
import { EhrStore } from '../../src/store/ehrStore';
import { FollowUpStore, type FollowUpTask } from '../../src/store/followUpStore';
import { PartnerSummaryStore } from '../../src/store/partnerSummaryStore';
import { PilotStore, type Pilot } from '../../src/store/pilotStore';
import type { Pool } from '../../src/store/postgres';
import { ScorecardStore } from '../../src/store/scorecardStore';
import { SyncStore } from '../../src/store/syncStore';
import type { Tenant } from '../../src/store/tenants';
import { agencyNameOf, calendarOf } from '../../src/sync/followUps';
import { PARTNER_SUMMARY_PATH, summaryPdfUrl } from '../../src/sync/partnerSummaries';
import { referralNameOf } from '../../src/sync/records';
import { mapSource } from '../../src/sync/sourceMapping';
import { HubSpotNeededError, saveTenantSettings } from '../../src/sync/settings';
import { retryRefused, syncStatus, type SyncStatus } from '../../src/sync/status';
import { HttpError } from '../httpErrors';

/**
 * The card API (issue #6, part 5): what the UI-extension cards read and do with `hubspot.fetch`, one call per card.
 *
 * hubspot.fetch sends no headers of the card's own; it signs each request like a webhook (X-HubSpot-Signature-v3
 * over method, the full URL, the body and X-HubSpot-Request-Timestamp) and adds portalId, userId, userEmail and appId
 * to the URL's query before signing
 * (https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensibility/fetching-data, "Headers
 * and metadata"; the signature: https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation).
 * So the portal is read from the signed URL, never from anything the card could choose, and every read is scoped to
 * it: a record of another portal is answered exactly like one that does not exist (404).
 *
 * Answers are JSON under HubSpot's 1 MB limit: every list is capped, and says `truncated: true` when it was.
 * Nothing of a patient: referrals are named by date, source and business line (DESIGN.md, minimum necessary).
 */

export const CARDS_PATH = '/cards';

export interface CardRouteDependencies {
  pool: Pool;
  /** The tenant of a portal this server serves, with its settings as they are now; undefined for any other portal. */
  tenantFor(portalId: number): Promise<Tenant | undefined>;
  /** The app's client secret (HUBSPOT_APP_SECRET); unset, every request is refused with 503. */
  appSecret: string | undefined;
  /** The origin HubSpot calls (PUBLIC_BASE_URL): part of what HubSpot signs, and of the summaries' PDF links. */
  publicBaseUrl: string | undefined;
  clock: Clock;
  /**
   * The portal's HubSpot client: the settings page's source mapping reads the record it maps to. Without it (a
   * bench, a test of the read-only cards) mapping answers 503 and everything else works.
   */
  hubspot?: HubSpot;
}

/** How stale a tenant's settings may be on the cards (they are read once per this long: recentTenants). */
export const CARD_TENANT_MAX_AGE_MS = 5_000;
/** HubSpot's limit on a hubspot.fetch response. */
const CARD_RESPONSE_LIMIT_BYTES = 1024 * 1024;
/** The caps of the lists the cards show. */
const CARD_LIMITS = { recentReferrals: 10, openTasks: 25, partnerSummaries: 3, statusHistory: 50, pilots: 10 } as const;

/** What hubspot.fetch adds to the URL; the other parameters (userEmail, appId) are not used. */
const signedQuery = z
  .object({
    portalId: z.string().regex(/^\d{1,15}$/, 'must be the HubSpot portal id').transform(Number),
    userId: z.string().regex(/^\d{1,20}$/, 'must be a HubSpot user id').optional(),
  })
  .loose();

/** A record id in a card's path (HubSpot's are digits); anything else cannot be a record, and is answered like an unknown one. */
const RECORD_ID = /^[A-Za-z0-9_-]{1,100}$/;

const checkInBody = z
  .object({ note: z.string().trim().max(500, 'a note is at most 500 characters').optional() })
  .strict();
const noBody = z.object({}).strict();
/** A pilot as the card's form sends it: the company is the one in the path. */
const pilotBody = z.object({}).loose();
/** A pilot id in a path. */
const PILOT_ID = /^\d{1,15}$/;

interface CardRequest {
  tenant: Tenant;
  /** The HubSpot user the card runs for, when HubSpot said. */
  userId: string | undefined;
  now: Date;
  /** The body as received (JSON, or empty). */
  body: string;
}

const notFound = (what: string) => new HttpError(404, 'not_found', `No ${what} with this id in this portal.`);

const followUps = new FollowUpStore();
const partnerSummaries = new PartnerSummaryStore();
const pilots = new PilotStore();
const scorecards = new ScorecardStore();
const syncStore = new SyncStore();

/**
 * Routes under /cards, mounted before JSON parsing (the signature is over the raw body). Each request is checked
 * before anything else: 503 without the app secret and public origin, 401 when unsigned, forged or older than five
 * minutes, 403 for a portal this server does not serve.
 */
export function cardRoutes(deps: CardRouteDependencies): Router {
  const router = express.Router();
  router.use(express.text({ type: () => true, limit: '1mb' }));

  const signed =
    (handle: (request: CardRequest, params: Record<string, string>) => Promise<object>): RequestHandler =>
    async (req, res) => {
      const request = await authenticate(deps, req);
      send(res, await handle(request, req.params as Record<string, string>));
    };
  const recordId = (params: Record<string, string>, name: string, what: string) => {
    const id = params[name] ?? '';
    if (!RECORD_ID.test(id)) throw notFound(what);
    return id;
  };

  router.get(
    '/company/:companyId',
    signed((request, params) => companyCard(deps, request, recordId(params, 'companyId', 'referral source'))),
  );
  router.get(
    '/referral/:referralId',
    signed((request, params) => referralCard(deps, request, recordId(params, 'referralId', 'referral'))),
  );
  router.get(
    '/settings',
    signed((request) => settingsCard(deps, request)),
  );
  router.post(
    '/company/:companyId/check-ins',
    signed((request, params) => logCheckIn(deps, request, recordId(params, 'companyId', 'referral source'))),
  );
  router.post(
    '/company/:companyId/partner-update',
    signed((request, params) => partnerUpdate(deps, request, recordId(params, 'companyId', 'referral source'))),
  );
  router.post(
    '/company/:companyId/pilots',
    signed((request, params) => savePilot(deps, request, recordId(params, 'companyId', 'referral source'))),
  );
  router.put(
    '/company/:companyId/pilots/:pilotId',
    signed((request, params) => {
      const pilotId = params.pilotId ?? '';
      if (!PILOT_ID.test(pilotId)) throw notFound('pilot');
      return savePilot(deps, request, recordId(params, 'companyId', 'referral source'), Number(pilotId));
    }),
  );
  router.put(
    '/settings',
    signed((request) => saveSettings(deps, request)),
  );
  router.post(
    '/settings/sync-retry',
    signed((request) => retrySync(deps, request)),
  );
  router.post(
    '/settings/sources/map',
    signed((request) => mapSourceFromSettings(deps, request)),
  );
  return router;
}

async function authenticate(deps: CardRouteDependencies, req: Request): Promise<CardRequest> {
  if (!deps.appSecret || !deps.publicBaseUrl) {
    throw new HttpError(503, 'cards_not_configured', 'The card API is not configured on this server: set HUBSPOT_APP_SECRET and PUBLIC_BASE_URL.');
  }
  const now = deps.clock.now();
  const body = typeof req.body === 'string' ? req.body : '';
  const check = verifyHubSpotRequest(req, body, { secret: deps.appSecret, publicBaseUrl: deps.publicBaseUrl, nowMs: now });
  if (!check.ok) throw new HttpError(401, 'invalid_signature', `Request refused: ${check.reason}.`);
  const query = signedQuery.parse(req.query);
  const tenant = await deps.tenantFor(query.portalId);
  if (!tenant) throw new HttpError(403, 'portal_not_served', `This server does not serve HubSpot portal ${query.portalId}.`);
  return { tenant, userId: query.userId, now: new Date(now), body };
}

/** A body the schema accepts; empty counts as {}. */
function parseBody<T extends z.ZodType>(request: CardRequest, schema: T): z.infer<T> {
  let parsed: unknown = {};
  if (request.body.trim() !== '') {
    try {
      parsed = JSON.parse(request.body);
    } catch {
      throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
    }
  }
  return schema.parse(parsed);
}

/** JSON, checked against HubSpot's 1 MB: the caps keep every answer far below it, and this says so if one ever is not. */
function send(res: Response, body: object): void {
  const json = JSON.stringify(body);
  if (Buffer.byteLength(json, 'utf8') > CARD_RESPONSE_LIMIT_BYTES) {
    throw new HttpError(500, 'response_too_large', 'The answer is larger than HubSpot lets a card receive.');
  }
  res.status(200).type('application/json').send(json);
}

/** At most `cap` of the items (the store was asked for one more, to know). */
function capped<T>(items: readonly T[], cap: number): { items: T[]; truncated: boolean } {
  return { items: items.slice(0, cap), truncated: items.length > cap };
}

const toTaskLine = (task: FollowUpTask) => ({
  rule: task.rule,
  ruleLabel: followUpRuleLabel(task.rule),
  subject: task.subject,
  type: task.type,
  priority: task.priority,
  dueAt: task.dueAt.toISOString(),
  ownerId: task.ownerId,
  /** The task in HubSpot; null until the sync has created it. */
  hubspotTaskId: task.hubspotId,
});

const monthCache = new Map<string, LocalMonth[]>();

/** The card's 12 local months, the same all day: kept, since working out each month's bounds in a zone is costly. */
function monthsEnding(today: string, timeZone: string): LocalMonth[] {
  const key = `${today} ${timeZone}`;
  let months = monthCache.get(key);
  if (!months) {
    if (monthCache.size >= 100) monthCache.clear();
    months = lastMonths(today, 12, timeZone);
    monthCache.set(key, months);
  }
  return months;
}

/** GET /cards/company/:companyId: the referral-source scorecard card, everything it shows in one answer. */
async function companyCard(deps: CardRouteDependencies, request: CardRequest, companyId: string) {
  const { pool } = deps;
  const { tenant, now } = request;
  const { tenantId } = tenant;
  const { timeZone } = tenant.settings;
  const calendar = calendarOf(tenant);
  const today = calendar.localDate(now);
  const months = monthsEnding(today, timeZone);
  const [saved, recent, tasks, summaries, lastCheckInAt, companyPilots] = await Promise.all([
    scorecards.scorecard(pool, tenantId, 'companies', companyId),
    scorecards.recentReferrals(pool, tenantId, 'companies', companyId, timeZone, CARD_LIMITS.recentReferrals + 1),
    followUps.openTasksOfCompany(pool, tenantId, companyId, CARD_LIMITS.openTasks + 1),
    partnerSummaries.ofCompany(pool, tenantId, companyId, CARD_LIMITS.partnerSummaries + 1),
    followUps.lastCheckIn(pool, tenantId, companyId),
    pilots.list(pool, tenantId, companyId, CARD_LIMITS.pilots + 1),
  ]);
  // A company is a referral source of this portal when it has a scorecard or a referral (ScorecardStore.knowsSource);
  // any other, of another portal or none, is not found, and nothing else read is said.
  if (!saved && recent.length === 0) throw notFound('referral source');
  const stored = saved ? (saved.metrics as Scorecard) : null;
  // The months are kept with the scorecard (ScorecardCounts.monthly), and given once, apart; counted now for a source
  // without a scorecard yet (or one computed before the months were kept).
  const { monthly: kept, ...scorecard } = stored ?? {};
  const monthly = kept ?? (await scorecards.monthlyCounts(pool, tenantId, 'companies', companyId, months));
  const everyDays = tenant.settings.followUps.checkIn;
  const nonAdmitReasons = nonAdmitReasonsOf(tenant.settings);
  // HubSpot shows the date the account rules last wrote; a check-in logged since then moves it at their next hourly
  // run, and the card shows the moved date already.
  const sinceCheckIn = lastCheckInAt ? checkInDueDay({ tier: stored?.tier, lastActivityAt: lastCheckInAt }, tenant.settings.followUps, calendar, now) : undefined;
  return {
    companyId,
    timeZone,
    today,
    scorecard: stored && saved ? { ...scorecard, computedAt: saved.computedAt.toISOString() } : null,
    nonAdmitReasons: Object.fromEntries(WINDOWS.map((days) => [days, nonAdmitBreakdown(stored?.windows[days].nonAdmitReasons ?? {}, nonAdmitReasons)])),
    monthly: monthlySeries(monthly, months),
    recentReferrals: capped(recent.map((referral) => toReferralLine(referral, nonAdmitReasons)), CARD_LIMITS.recentReferrals),
    openTasks: capped(tasks.map(toTaskLine), CARD_LIMITS.openTasks),
    checkIn: {
      enabled: everyDays.enabled,
      lastCheckInAt: lastCheckInAt?.toISOString() ?? null,
      nextDue: laterDay(saved?.written[NEXT_CHECK_IN_PROPERTY], sinceCheckIn),
    },
    partnerSummaries: capped(
      summaries.map((stored) => ({
        summaryId: stored.summaryId,
        period: stored.summary.period,
        title: periodTitle(stored.summary.period),
        sourceName: stored.sourceName,
        referrals: stored.summary.referrals,
        admitted: stored.summary.admitted,
        text: stored.text,
        createdAt: stored.createdAt.toISOString(),
        pdfPath: `${PARTNER_SUMMARY_PATH}/${stored.token}.pdf`,
        pdfUrl: deps.publicBaseUrl ? summaryPdfUrl(deps.publicBaseUrl, stored.token) : null,
      })),
      CARD_LIMITS.partnerSummaries,
    ),
    pilots: capped(await Promise.all(companyPilots.slice(0, CARD_LIMITS.pilots).map((pilot) => pilotLine(pool, tenant, pilot, today))), CARD_LIMITS.pilots),
  };
}

/** GET /cards/referral/:referralId (the HubSpot Referral record's id): the close-the-loop card. */
async function referralCard(deps: CardRouteDependencies, request: CardRequest, referralId: string) {
  const { pool } = deps;
  const { tenant } = request;
  const { tenantId } = tenant;
  const { timeZone } = tenant.settings;
  const key = await syncStore.recordKeyOf(pool, tenantId, 'referral', referralId);
  if (!key) throw notFound('referral');
  const [states, tasks, decisions] = await Promise.all([
    syncStore.states(pool, tenantId, 'referral', [key]),
    followUps.tasksOfReferrals(pool, tenantId, [key]),
    syncStore.decisions(pool, tenantId, [key]),
  ]);
  const state = states.get(key);
  if (!state) throw notFound('referral');

  // The message the liaison was given (the latest non-admit or start-of-care task of the referral's outcome), or, when
  // no task carried one (the rule was off, or the referral ended before the server ran), the same words composed now.
  const nonAdmitReasons = nonAdmitReasonsOf(tenant.settings);
  const composed = closeTheLoopMessage(state, agencyNameOf(tenant), calendarOf(tenant), timeZone, nonAdmitReasons);
  const given = tasks
    .filter((task) => (composed ? task.rule === composed.rule : task.rule === 'non_admit' || task.rule === 'start_of_care'))
    .flatMap((task) => {
      const message = messageForSource(task.body);
      return message ? [{ task, message }] : [];
    })
    .at(-1);
  const closeTheLoop = given
    ? {
        rule: given.task.rule,
        ruleLabel: followUpRuleLabel(given.task.rule),
        message: given.message,
        from: 'task' as const,
        task: { hubspotTaskId: given.task.hubspotId, status: given.task.status, dueAt: given.task.dueAt.toISOString(), ownerId: given.task.ownerId },
      }
    : composed
      ? { rule: composed.rule, ruleLabel: followUpRuleLabel(composed.rule), message: composed.message, from: 'composed' as const, task: null }
      : null;

  const history = statusHistory(state.history, timeZone);
  const reason = state.status === 'non_admitted' && state.nonAdmitReason ? nonAdmitTerms(nonAdmitReasons, state.nonAdmitReason) : undefined;
  const timely = timelyInitiation(state, timeZone) ?? null;
  return {
    referralId,
    timeZone,
    name: referralNameOf(state, timeZone),
    status: state.status,
    businessLine: state.facts.businessLine ?? null,
    companyId: decisions.get(key)?.companyId ?? null,
    /** The referring clinician's HubSpot contact, when attribution found one. */
    contactId: decisions.get(key)?.contactId ?? null,
    // Oldest first; past the cap, the latest changes are kept.
    statusHistory: { items: history.slice(-CARD_LIMITS.statusHistory), truncated: history.length > CARD_LIMITS.statusHistory },
    hoursToSoc: hoursToStartOfCare(state) ?? null,
    timelyInitiation: timely,
    timelyInitiationLabel: timely ? (timelyInitiationOutcomes.find((o) => o.value === timely)?.label ?? timely) : null,
    nonAdmit: reason
      ? {
          reason: reason.value,
          label: reason.label,
          words: reason.words,
          offer: reason.offer,
          // Hospice calls a non-admit "not taken under care" (DESIGN.md).
          outcome: state.facts.businessLine === 'hospice' ? 'not taken under care' : 'not admitted',
        }
      : null,
    closeTheLoop,
  };
}

/** GET /cards/settings: the app settings page. */
async function settingsCard(deps: CardRouteDependencies, request: CardRequest) {
  const { tenant } = request;
  const [feeds, sync] = await Promise.all([new EhrStore(deps.pool).counts(tenant.tenantId), syncStatus(deps.pool, tenant.tenantId)]);
  return {
    portalId: tenant.tenantId,
    // As `referralynx status` shows them.
    feeds,
    ...(await settingsAdditions(deps, tenant, sync)),
    sync: {
      kinds: sync.kinds.map((k) => ({ ...k, lastWrittenAt: k.lastWrittenAt?.toISOString() ?? null })),
      errors: sync.errors,
      writers: sync.writers.map((w) => ({ description: w.description, startedAt: w.startedAt.toISOString(), seenAt: w.seenAt.toISOString() })),
    },
    followUps: tenant.settings.followUps,
    followUpRules: followUpRules.map((rule) => ({ value: rule.value, label: rule.label })),
    nonAdmitReasons: nonAdmitReasonsOnPage(tenant.settings),
    timeZone: tenant.settings.timeZone,
    holidayCalendar: tenant.settings.holidayCalendar,
  };
}

/**
 * POST /cards/company/:companyId/check-ins `{ note? }`: a check-in logged from the card. The account rules count the
 * next one from it; the answer is that date (null for a tier D account, or with check-ins turned off). The note is
 * kept with the check-in and never logged.
 */
async function logCheckIn(deps: CardRouteDependencies, request: CardRequest, companyId: string) {
  const body = parseBody(request, checkInBody);
  const { tenant, now } = request;
  if (!(await scorecards.knowsSource(deps.pool, tenant.tenantId, 'companies', companyId))) throw notFound('referral source');
  await followUps.recordCheckIn(deps.pool, tenant.tenantId, { companyId, at: now, userId: request.userId ?? null, note: body.note || null });
  const saved = await scorecards.scorecard(deps.pool, tenant.tenantId, 'companies', companyId);
  const tier = saved ? (saved.metrics as Scorecard).tier : undefined;
  return {
    companyId,
    checkedInAt: now.toISOString(),
    tier: tier ?? null,
    nextCheckInDue: checkInDueDay({ tier, lastActivityAt: now }, tenant.settings.followUps, calendarOf(tenant), now) ?? null,
  };
}

/**
 * POST /cards/company/:companyId/partner-update: the partner summary's message for the period under way, so far
 * (the tenant's week or month), made now from the company's referrals; no task, nothing kept.
 */
async function partnerUpdate(deps: CardRouteDependencies, request: CardRequest, companyId: string) {
  parseBody(request, noBody);
  const { tenant, now } = request;
  const { timeZone } = tenant.settings;
  if (!(await scorecards.knowsSource(deps.pool, tenant.tenantId, 'companies', companyId))) throw notFound('referral source');
  const calendar = calendarOf(tenant);
  const today = calendar.localDate(now);
  const period = periodContaining(tenant.settings.followUps.partnerSummary.every, today);
  const states = await partnerSummaries.companyReferrals(deps.pool, tenant.tenantId, companyId, {
    from: DateTime.fromISO(period.from, { zone: timeZone }).startOf('day').toJSDate(),
    before: now,
  });
  const summary = summarizePartner(states, period, timeZone, nonAdmitReasonsOf(tenant.settings));
  return {
    companyId,
    period,
    title: periodTitle(period),
    asOf: today,
    referrals: summary.referrals,
    text: partnerSummaryText(summary, { agency: agencyNameOf(tenant) }),
  };
}

/**
 * A pilot with its progress as of now, from the same facts the hourly review measures (that review saves it and
 * raises the at-risk tasks); a pilot not yet started has nothing to measure.
 */
async function pilotLine(pool: Pool, tenant: Tenant, pilot: Pilot, today: string) {
  const facts =
    today < pilot.periodStart
      ? NO_PILOT_FACTS
      : await pilots.facts(pool, tenant.tenantId, pilot, tenant.settings.timeZone, today);
  return toPilotLine(pilot, pilotProgress(pilot, facts, today));
}

/**
 * POST /cards/company/:companyId/pilots and PUT /cards/company/:companyId/pilots/:pilotId: a pilot started or changed
 * from the card's form (src/domain/pilots.ts pilotSchema; the company is the record the card is on). The answer is
 * the pilot as the card shows it, measured now; the hourly review raises its tasks.
 */
async function savePilot(deps: CardRouteDependencies, request: CardRequest, companyId: string, pilotId?: number) {
  const { tenant } = request;
  const { tenantId } = tenant;
  if (!(await scorecards.knowsSource(deps.pool, tenantId, 'companies', companyId))) throw notFound('referral source');
  const definition: PilotDefinition = pilotSchema.parse({ ...parseBody(request, pilotBody), companyId });
  let saved: Pilot | undefined;
  if (pilotId === undefined) {
    saved = await pilots.create(deps.pool, tenantId, definition);
  } else {
    // Only a pilot of this company: one of another company (or portal) is answered as not found.
    saved = await pilots.update(deps.pool, tenantId, pilotId, definition, companyId);
    if (!saved) throw notFound('pilot');
  }
  return { pilot: await pilotLine(deps.pool, tenant, saved, calendarOf(tenant).localDate(request.now)) };
}

// The settings page's reads beyond `referralynx status`, and its writes (issue #7, part 3).

/** The caps of the settings page's lists. */
const SETTINGS_LIMITS = { feeds: 50, unmatchedSources: 50 } as const;

/** Per feed: messages, the last one, open quarantine; the sources no HubSpot record matches; dead letters in all. */
async function settingsAdditions(deps: CardRouteDependencies, tenant: Tenant, sync: SyncStatus) {
  const [feedStatus, unmatched] = await Promise.all([
    new EhrStore(deps.pool).feedStatus(tenant.tenantId, SETTINGS_LIMITS.feeds + 1),
    syncStore.unmatchedSources(deps.pool, tenant.tenantId),
  ]);
  return {
    feedStatus: capped(
      feedStatus.map((feed) => ({ ...feed, lastMessageAt: feed.lastMessageAt?.toISOString() ?? null })),
      SETTINGS_LIMITS.feeds,
    ),
    deadLetters: sync.kinds.reduce((sum, kind) => sum + kind.dead, 0),
    unmatchedSources: capped(
      unmatched.map((source) => ({
        objectType: source.objectType,
        ref: source.ref,
        displayName: source.displayName,
        place: source.place,
        npi: source.npi,
        referrals: source.referrals,
        reason: source.reason,
        candidateId: source.candidateId,
        candidateName: source.candidateName,
        confidence: source.confidence,
      })),
      SETTINGS_LIMITS.unmatchedSources,
    ),
  };
}

/** The tenant's reasons as the settings page edits them: each says whether it is a default the agency reworded. */
function nonAdmitReasonsOnPage(settings: Tenant['settings']) {
  const entries = new Set(settings.nonAdmitReasons.map((entry) => entry.value));
  return nonAdmitReasonsOf(settings).map((reason) => ({ ...reason, reworded: reason.isDefault && entries.has(reason.value) }));
}

/** What the settings page may change; the values are checked by the tenant settings schema when merged. */
const settingsBody = z
  .object({
    followUps: z.record(z.string(), z.unknown()).optional(),
    timeZone: z.unknown().optional(),
    holidayCalendar: z.unknown().optional(),
    /** The whole list: reworded defaults and added reasons (src/domain/nonAdmitReasons.ts checks each entry). */
    nonAdmitReasons: z.array(z.unknown()).optional(),
  })
  .strict();

/**
 * PUT /cards/settings `{ followUps?, timeZone?, holidayCalendar?, nonAdmitReasons? }`: each follow-up rule given
 * replaces that rule's settings (the others stay), a non-admit reason list replaces the list, and the whole is checked
 * by src/config/tenantSettings.ts before anything is saved; a value it refuses is a 400 naming the setting (e.g.
 * `nonAdmitReasons.11.label`). A changed list gives HubSpot's rlx_non_admit_reason its new options before it is saved
 * (src/sync/settings.ts). The answer is what is saved now: the cards read settings through a cache
 * (CARD_TENANT_MAX_AGE_MS), so the page shows this rather than reading them back.
 */
async function saveSettings(deps: CardRouteDependencies, request: CardRequest) {
  const body = parseBody(request, settingsBody);
  const { tenant } = request;
  const changes = {
    ...(body.followUps ? { followUps: { ...tenant.settings.followUps, ...body.followUps } } : {}),
    ...('timeZone' in body ? { timeZone: body.timeZone } : {}),
    ...('holidayCalendar' in body ? { holidayCalendar: body.holidayCalendar } : {}),
    ...(body.nonAdmitReasons ? { nonAdmitReasons: body.nonAdmitReasons } : {}),
  };
  let saved: Tenant['settings'];
  try {
    saved = (await saveTenantSettings(deps, tenant.tenantId, changes)).settings;
  } catch (error) {
    if (error instanceof HubSpotNeededError) throw new HttpError(503, 'hubspot_not_configured', error.message);
    if (error instanceof HubSpotApiError || error instanceof HubSpotUnavailableError) {
      throw new HttpError(502, 'hubspot_refused', 'HubSpot did not take the new non-admit reasons as options; nothing was saved. Try again.');
    }
    throw error;
  }
  return {
    followUps: saved.followUps,
    timeZone: saved.timeZone,
    holidayCalendar: saved.holidayCalendar,
    nonAdmitReasons: nonAdmitReasonsOnPage(saved),
  };
}

/** POST /cards/settings/sync-retry: every refused and dead-lettered record queued again, as `referralynx sync retry`. */
async function retrySync(deps: CardRouteDependencies, request: CardRequest) {
  parseBody(request, noBody);
  return { queued: await retryRefused(deps.pool, request.tenant.tenantId) };
}

const mapSourceBody = z
  .object({
    objectType: z.enum(['companies', 'contacts']),
    ref: z.string().min(1).max(500),
    hubspotId: z.string().trim().regex(/^\d{1,20}$/, 'must be a HubSpot record id'),
  })
  .strict();

/** POST /cards/settings/sources/map `{ objectType, ref, hubspotId }`: as `referralynx sources map`. */
async function mapSourceFromSettings(deps: CardRouteDependencies, request: CardRequest) {
  const body = parseBody(request, mapSourceBody);
  if (!deps.hubspot) throw new HttpError(503, 'hubspot_not_configured', 'This server has no HubSpot client to check the record with.');
  const mapped = await mapSource({ pool: deps.pool, hubspot: deps.hubspot }, request.tenant.tenantId, { ...body, on: request.now });
  if (!mapped.ok) {
    throw mapped.reason === 'unknown_source'
      ? new HttpError(404, 'not_found', 'No referral source with this reference has been seen in this portal.')
      : new HttpError(422, 'unknown_record', `HubSpot has no ${body.objectType === 'companies' ? 'company' : 'contact'} with id ${body.hubspotId}.`);
  }
  return { objectType: body.objectType, ref: body.ref, hubspotId: body.hubspotId, displayName: mapped.displayName, referralsQueued: mapped.referrals };
}
