/**
 * The card API's answers, as server/routes/cards.ts sends them. Written out here rather than imported: the cards
 * are built and uploaded by HubSpot from this folder alone, without the server's sources. test/integration/cards.test.ts
 * pins the server side of each shape; test/cards/fixtures.ts holds hand-written answers of these types.
 */

export type WindowDays = '30' | '90' | '365';
export type Trend = 'up' | 'flat' | 'down' | 'too_few';
export type AccountTier = 'A' | 'B' | 'C' | 'D';

export interface WindowScore {
  referrals: number;
  admitted: number;
  nonAdmitted: number;
  pending: number;
  cancelled: number;
  medianHoursToSoc: number | null;
  p90HoursToSoc: number | null;
  timely: number;
  notTimely: number;
  nonAdmitReasons: Record<string, number>;
  payers: Record<string, number>;
  businessLines: Record<string, number>;
  /** 0 to 1; null when no referral reached an outcome. */
  conversion: number | null;
  /** 0 to 1; null when none was measured. */
  timelyRate: number | null;
}

export interface Scorecard {
  windows: Record<WindowDays, WindowScore>;
  previous30: number;
  trend: Trend;
  tier: AccountTier;
  lastReferralDate: string | null;
  daysSinceLastReferral: number | null;
  usualIntervalDays: number | null;
  computedAt: string;
}

export interface NonAdmitLine {
  reason: string;
  label: string;
  words: string;
  count: number;
}

export interface MonthCounts {
  month: string;
  referrals: number;
  admitted: number;
  nonAdmitted: number;
}

export interface ReferralLine {
  name: string;
  hubspotId: string | null;
  status: string;
  statusLabel: string;
  businessLine: string | null;
  businessLineLabel: string | null;
  receivedOn: string;
  hoursToSoc: number | null;
  timelyInitiation: string | null;
  timelyInitiationLabel: string | null;
  nonAdmitReason: string | null;
  nonAdmitReasonLabel: string | null;
}

export interface TaskLine {
  rule: string;
  ruleLabel: string;
  subject: string;
  type: string;
  priority: string;
  dueAt: string;
  ownerId: string | null;
  hubspotTaskId: string | null;
}

export interface Capped<T> {
  items: T[];
  truncated: boolean;
}

export type PilotStatus = 'not_started' | 'on_track' | 'at_risk' | 'met' | 'missed';
export type PilotMetric = 'soc_within_hours' | 'same_day_soc_before_noon' | 'conversion' | 'timely_initiation';

export interface PilotStandardLine {
  metric: PilotMetric;
  hours?: number;
  /** A share, 0 to 1. */
  target: number;
  text: string;
  met: number;
  of: number;
  /** A share, 0 to 1; null while no case counts. */
  value: number | null;
  status: PilotStatus;
  statusLabel: string;
}

export interface PilotLine {
  pilotId: number;
  name: string;
  periodStart: string;
  periodEnd: string;
  businessLine: string | null;
  businessLineLabel: string | null;
  serviceZips: string[];
  status: PilotStatus;
  statusLabel: string;
  standards: PilotStandardLine[];
  reviewedAt: string | null;
}

export interface PartnerSummaryLine {
  summaryId: number | string;
  period: { every: 'week' | 'month'; from: string; to: string };
  title: string;
  sourceName: string | null;
  referrals: number;
  admitted: number;
  text: string;
  createdAt: string;
  pdfPath: string;
  pdfUrl: string | null;
}

/** GET /cards/company/:companyId */
export interface CompanyCard {
  companyId: string;
  timeZone: string;
  today: string;
  scorecard: Scorecard | null;
  nonAdmitReasons: Record<WindowDays, NonAdmitLine[]>;
  monthly: MonthCounts[];
  recentReferrals: Capped<ReferralLine>;
  openTasks: Capped<TaskLine>;
  checkIn: { enabled: boolean; lastCheckInAt: string | null; nextDue: string | null };
  partnerSummaries: Capped<PartnerSummaryLine>;
  pilots: Capped<PilotLine>;
}

/** POST /cards/company/:companyId/check-ins */
export interface CheckInLogged {
  companyId: string;
  checkedInAt: string;
  tier: AccountTier | null;
  nextCheckInDue: string | null;
}

/** POST /cards/company/:companyId/partner-update */
export interface PartnerUpdate {
  companyId: string;
  period: { every: 'week' | 'month'; from: string; to: string };
  title: string;
  asOf: string;
  referrals: number;
  text: string;
}

/** The body of POST /cards/company/:companyId/pilots and PUT …/pilots/:pilotId (src/domain/pilots.ts, less companyId). */
export interface PilotDraft {
  name: string;
  periodStart: string;
  periodEnd: string;
  businessLine?: string;
  serviceZips?: string[];
  standards: Array<{ metric: PilotMetric; hours?: number; target: number }>;
}

export interface StatusMoment {
  status: string;
  label: string;
  at: string;
  local: string;
}

/** GET /cards/referral/:referralId */
export interface ReferralCard {
  referralId: string;
  timeZone: string;
  name: string;
  status: string;
  businessLine: string | null;
  companyId: string | null;
  contactId: string | null;
  statusHistory: Capped<StatusMoment>;
  hoursToSoc: number | null;
  timelyInitiation: string | null;
  timelyInitiationLabel: string | null;
  nonAdmit: { reason: string; label: string; words: string; offer: string; outcome: string } | null;
  closeTheLoop: {
    rule: string;
    ruleLabel: string;
    message: string;
    from: 'task' | 'composed';
    task: { hubspotTaskId: string | null; status: string; dueAt: string; ownerId: string | null } | null;
  } | null;
}

export interface SyncKind {
  kind: string;
  due: number;
  active: number;
  retrying: number;
  dead: number;
  lagSeconds: number;
  written: number;
  lastWrittenAt: string | null;
}

export interface FollowUpSettings {
  businessHours: { dayStart: string; dayEnd: string; workdays: number[] };
  skipOlderThanDays: number;
  intakeOwner?: string;
  newReferral: { enabled: boolean };
  firstReferral: { enabled: boolean; at: string };
  nonAdmit: { enabled: boolean };
  startOfCare: { enabled: boolean; at: string };
  stalledReferral: { enabled: boolean; afterBusinessHours: number };
  checkIn: { enabled: boolean; everyDays: { A: number; B: number; C: number } };
  dormantSource: { enabled: boolean; gapMultiple: number; minDays: number; minReferrals: number };
  noe: { enabled: boolean; warnOnDay: number };
  partnerSummary: { enabled: boolean; every: 'week' | 'month'; at: string };
}

export interface UnmatchedSource {
  objectType: 'companies' | 'contacts';
  ref: string;
  displayName: string;
  place: string | null;
  npi: string | null;
  referrals: number;
  reason: string;
  candidateId: string | null;
  candidateName: string | null;
  confidence: number | null;
}

/** A non-admit reason of the agency's list, as every card and task words it. */
export interface NonAdmitReason {
  value: string;
  /** As HubSpot's property shows it. */
  label: string;
  /** The plain words a referral source reads. */
  words: string;
  /** What the agency can offer instead. */
  offer: string;
  /** One of Referralynx's default reasons; false for one the agency added. */
  isDefault: boolean;
  /** A default reason the agency reworded (its setting holds an entry for it). */
  reworded: boolean;
}

/** A reason as the settings hold it: a default's value rewords it, any other adds a reason. */
export interface NonAdmitReasonEntry {
  value: string;
  label: string;
  words?: string;
  offer?: string;
}

/** GET /cards/settings */
export interface SettingsPage {
  portalId: number;
  feeds: { messages: number; events: number; referrals: number; admissions: number; quarantined: number };
  feedStatus: Capped<{ format: string; feed: string; messages: number; lastMessageAt: string | null; quarantined: number }>;
  deadLetters: number;
  unmatchedSources: Capped<UnmatchedSource>;
  sync: {
    kinds: SyncKind[];
    errors: Array<{ kind: string; key: string; attempts: number; error: string; dead: boolean }>;
    writers: Array<{ description: string; startedAt: string; seenAt: string }>;
  };
  followUps: FollowUpSettings;
  followUpRules: Array<{ value: string; label: string }>;
  nonAdmitReasons: NonAdmitReason[];
  timeZone: string;
  holidayCalendar: string;
}

/** PUT /cards/settings */
export interface SettingsChange {
  followUps?: Partial<FollowUpSettings>;
  timeZone?: string;
  holidayCalendar?: string;
  /** The whole list of entries: it replaces the saved one. */
  nonAdmitReasons?: NonAdmitReasonEntry[];
}
export type SettingsSaved = Pick<SettingsPage, 'followUps' | 'timeZone' | 'holidayCalendar' | 'nonAdmitReasons'>;

/** An error answer: `{ error: { code, message, errors? } }`. */
export interface ApiErrorBody {
  error: { code: string; message: string; errors?: Array<{ path: string; message: string }> };
}
