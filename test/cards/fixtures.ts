import type { CompanyCard, PilotLine, ReferralCard, SettingsPage, WindowScore } from '@referralynx/hubspot-shared';

/**
 * Answers of the card API written by hand, in the shapes server/routes/cards.ts sends. The company figures are Mercy
 * General Hospital's from test/integration/cards.test.ts (worked out by hand there): in the last 30 days 4 referrals,
 * 2 admitted after 20 and 30 hours, 1 not admitted for insurance, 1 pending; 90 days add a 50-hour admission and a
 * referral cancelled by the source; the year adds a non-admit outside the service area.
 */

const window = (w: Partial<WindowScore>): WindowScore => ({
  referrals: 0,
  admitted: 0,
  nonAdmitted: 0,
  pending: 0,
  cancelled: 0,
  medianHoursToSoc: null,
  p90HoursToSoc: null,
  timely: 0,
  notTimely: 0,
  nonAdmitReasons: {},
  payers: {},
  businessLines: {},
  conversion: null,
  timelyRate: null,
  ...w,
});

const insurance = { reason: 'insurance_not_accepted', label: 'Insurance not accepted / no authorization', words: 'insurance not accepted', count: 1 };
const outsideArea = { reason: 'outside_service_area', label: 'Outside service area', words: 'outside our service area', count: 1 };

export const fastStartsPilot: PilotLine = {
  pilotId: 41,
  name: 'Fast starts with Mercy',
  periodStart: '2026-11-01',
  periodEnd: '2027-01-31',
  businessLine: 'home_health',
  businessLineLabel: 'Home health',
  serviceZips: ['10458', '10467'],
  status: 'on_track',
  statusLabel: 'On track',
  standards: [
    { metric: 'soc_within_hours', hours: 24, target: 0.9, text: '90% of admissions start care within 24 hours', met: 1, of: 2, value: 0.5, status: 'on_track', statusLabel: 'On track' },
    { metric: 'conversion', target: 0.8, text: '80% of referrals admitted', met: 2, of: 3, value: 2 / 3, status: 'on_track', statusLabel: 'On track' },
  ],
  reviewedAt: '2026-11-27T14:00:00.000Z',
};

export const missedPilot: PilotLine = {
  pilotId: 17,
  name: 'Summer timely starts',
  periodStart: '2026-06-01',
  periodEnd: '2026-08-31',
  businessLine: null,
  businessLineLabel: null,
  serviceZips: [],
  status: 'missed',
  statusLabel: 'Missed',
  standards: [{ metric: 'timely_initiation', target: 0.9, text: '90% timely initiation of care', met: 0, of: 0, value: null, status: 'missed', statusLabel: 'Missed' }],
  reviewedAt: null,
};

export const mercyCard: CompanyCard = {
  companyId: '9001',
  timeZone: 'America/New_York',
  today: '2026-11-27',
  scorecard: {
    windows: {
      '30': window({ referrals: 4, admitted: 2, nonAdmitted: 1, pending: 1, medianHoursToSoc: 25, p90HoursToSoc: 29, timely: 1, notTimely: 1, nonAdmitReasons: { insurance_not_accepted: 1 }, conversion: 2 / 3, timelyRate: 0.5 }),
      '90': window({ referrals: 6, admitted: 3, nonAdmitted: 1, pending: 1, cancelled: 1, medianHoursToSoc: 30, p90HoursToSoc: 46, timely: 1, notTimely: 1, nonAdmitReasons: { insurance_not_accepted: 1 }, conversion: 0.75, timelyRate: 0.5 }),
      '365': window({
        referrals: 7,
        admitted: 3,
        nonAdmitted: 2,
        pending: 1,
        cancelled: 1,
        medianHoursToSoc: 30,
        p90HoursToSoc: 46,
        timely: 1,
        notTimely: 1,
        nonAdmitReasons: { insurance_not_accepted: 1, outside_service_area: 1 },
        conversion: 0.6,
        timelyRate: 0.5,
      }),
    },
    previous30: 0,
    trend: 'too_few',
    tier: 'B',
    lastReferralDate: '2026-11-26',
    daysSinceLastReferral: 1,
    usualIntervalDays: 26,
    computedAt: '2026-11-27T16:00:00.000Z',
  },
  nonAdmitReasons: { '30': [insurance], '90': [insurance], '365': [insurance, outsideArea] },
  monthly: [
    ['2025-12', 0, 0, 0],
    ['2026-01', 1, 0, 1],
    ['2026-02', 0, 0, 0],
    ['2026-03', 0, 0, 0],
    ['2026-04', 0, 0, 0],
    ['2026-05', 0, 0, 0],
    ['2026-06', 0, 0, 0],
    ['2026-07', 0, 0, 0],
    ['2026-08', 1, 0, 0],
    ['2026-09', 0, 0, 0],
    ['2026-10', 1, 1, 0],
    ['2026-11', 4, 2, 1],
  ].map(([month, referrals, admitted, nonAdmitted]) => ({ month: month as string, referrals: referrals as number, admitted: admitted as number, nonAdmitted: nonAdmitted as number })),
  recentReferrals: {
    items: [
      {
        name: 'Referral 2026-11-26 · Mercy General Hospital · Home health',
        hubspotId: '7001',
        status: 'admitted',
        statusLabel: 'Admitted',
        businessLine: 'home_health',
        businessLineLabel: 'Home health',
        receivedOn: '2026-11-26',
        hoursToSoc: 20,
        timelyInitiation: 'timely',
        timelyInitiationLabel: 'Timely',
        nonAdmitReason: null,
        nonAdmitReasonLabel: null,
      },
      {
        name: 'Referral 2026-11-15 · Mercy General Hospital · Hospice',
        hubspotId: '7003',
        status: 'non_admitted',
        statusLabel: 'Non-admitted',
        businessLine: 'hospice',
        businessLineLabel: 'Hospice',
        receivedOn: '2026-11-15',
        hoursToSoc: null,
        timelyInitiation: null,
        timelyInitiationLabel: null,
        nonAdmitReason: 'insurance_not_accepted',
        nonAdmitReasonLabel: 'Insurance not accepted / no authorization',
      },
    ],
    truncated: true,
  },
  openTasks: {
    items: [
      {
        rule: 'stalled_referral',
        ruleLabel: 'Stalled referral',
        subject: 'Referral 2026-11-26 · Mercy General Hospital · Home health: no intake decision yet',
        type: 'CALL',
        priority: 'HIGH',
        dueAt: '2026-11-27T16:00:00.000Z',
        ownerId: '71000102',
        hubspotTaskId: '55001',
      },
    ],
    truncated: false,
  },
  checkIn: { enabled: true, lastCheckInAt: null, nextDue: '2026-10-31' },
  partnerSummaries: { items: [], truncated: false },
  pilots: { items: [fastStartsPilot, missedPilot], truncated: false },
};

/** A source the hourly scorecard run has not reached yet: referrals, no scorecard. */
export const newSourceCard: CompanyCard = {
  ...mercyCard,
  companyId: '9002',
  scorecard: null,
  nonAdmitReasons: { '30': [], '90': [], '365': [] },
  monthly: mercyCard.monthly.map((m) => ({ ...m, referrals: 0, admitted: 0, nonAdmitted: 0 })),
  recentReferrals: { items: [], truncated: false },
  openTasks: { items: [], truncated: false },
  checkIn: { enabled: false, lastCheckInAt: null, nextDue: null },
  pilots: { items: [], truncated: false },
};

/** R1 of the integration test: admitted 20 hours after the referral, on time, with the SOC message its task carries. */
export const admittedReferral: ReferralCard = {
  referralId: '7001',
  timeZone: 'America/New_York',
  name: 'Referral 2026-11-26 · Mercy General Hospital · Home health',
  status: 'admitted',
  businessLine: 'home_health',
  companyId: '9001',
  contactId: '8801',
  statusHistory: {
    items: [
      { status: 'received', label: 'Received', at: '2026-11-26T10:00:00.000-05:00', local: '2026-11-26 10:00' },
      { status: 'admitted', label: 'Admitted', at: '2026-11-27T06:00:00.000-05:00', local: '2026-11-27 06:00' },
    ],
    truncated: false,
  },
  hoursToSoc: 20,
  timelyInitiation: 'timely',
  timelyInitiationLabel: 'Timely',
  nonAdmit: null,
  closeTheLoop: {
    rule: 'start_of_care',
    ruleLabel: 'Start of care update',
    message:
      'Thank you for your referral of November 26. Our team saw your patient on November 27, 20 hours after we received it, and home health care has started. — Sunrise Home Health & Hospice',
    from: 'task',
    task: { hubspotTaskId: '55002', status: 'open', dueAt: '2026-11-30T15:00:00.000Z', ownerId: '71000102' },
  },
};

/** R3: hospice, not taken under care for insurance; the message composed now. */
export const hospiceNonAdmit: ReferralCard = {
  referralId: '7003',
  timeZone: 'America/New_York',
  name: 'Referral 2026-11-15 · Mercy General Hospital · Hospice',
  status: 'non_admitted',
  businessLine: 'hospice',
  companyId: '9001',
  contactId: null,
  statusHistory: {
    items: [
      { status: 'received', label: 'Received', at: '2026-11-15T09:00:00.000-05:00', local: '2026-11-15 09:00' },
      { status: 'non_admitted', label: 'Non-admitted', at: '2026-11-16T10:00:00.000-05:00', local: '2026-11-16 10:00' },
    ],
    truncated: false,
  },
  hoursToSoc: null,
  timelyInitiation: null,
  timelyInitiationLabel: null,
  nonAdmit: {
    reason: 'insurance_not_accepted',
    label: 'Insurance not accepted / no authorization',
    words: 'insurance not accepted',
    offer: "We can suggest an agency in the patient's plan network, or go over other ways to cover care.",
    outcome: 'not taken under care',
  },
  closeTheLoop: {
    rule: 'non_admit',
    ruleLabel: 'Non-admit explained',
    message:
      "Thank you for your referral of November 15. We were not able to admit your patient: insurance not accepted. We can suggest an agency in the patient's plan network, or go over other ways to cover care. — Sunrise Home Health & Hospice",
    from: 'composed',
    task: null,
  },
};

/** R4: received late on 11-26, nothing decided. */
export const pendingReferral: ReferralCard = {
  ...admittedReferral,
  referralId: '7004',
  status: 'received',
  companyId: null,
  statusHistory: { items: [{ status: 'received', label: 'Received', at: '2026-11-26T23:30:00.000-05:00', local: '2026-11-26 23:30' }], truncated: false },
  hoursToSoc: null,
  timelyInitiation: null,
  timelyInitiationLabel: null,
  closeTheLoop: null,
};

const followUps: SettingsPage['followUps'] = {
  businessHours: { dayStart: '08:00', dayEnd: '17:00', workdays: [1, 2, 3, 4, 5] },
  skipOlderThanDays: 3,
  newReferral: { enabled: true },
  firstReferral: { enabled: true, at: '10:00' },
  nonAdmit: { enabled: true },
  startOfCare: { enabled: true, at: '10:00' },
  stalledReferral: { enabled: true, afterBusinessHours: 3 },
  checkIn: { enabled: true, everyDays: { A: 14, B: 30, C: 60 } },
  dormantSource: { enabled: true, gapMultiple: 2, minDays: 21, minReferrals: 3 },
  noe: { enabled: true, warnOnDay: 4 },
  partnerSummary: { enabled: false, every: 'month', at: '09:00' },
};

export const settingsPage: SettingsPage = {
  portalId: 4410023,
  feeds: { messages: 1240, events: 3310, referrals: 812, admissions: 590, quarantined: 2 },
  feedStatus: {
    items: [
      { format: 'hl7v2', feed: 'mllp', messages: 1200, lastMessageAt: '2026-11-27T16:58:00.000Z', quarantined: 2 },
      { format: 'csv', feed: 'weekly-export', messages: 40, lastMessageAt: '2026-11-23T11:00:00.000Z', quarantined: 0 },
    ],
    truncated: false,
  },
  deadLetters: 1,
  unmatchedSources: {
    items: [
      {
        objectType: 'companies',
        ref: 'name:bayside snf|bronx ny',
        displayName: 'Bayside SNF',
        place: 'Bronx, NY',
        npi: null,
        referrals: 3,
        reason: 'no company with this NPI; the closest name scored 0.78, under the 0.85 threshold',
        candidateId: '9050',
        candidateName: 'Bayside Skilled Nursing',
        confidence: 0.78,
      },
    ],
    truncated: false,
  },
  sync: {
    kinds: [
      { kind: 'referral', due: 4, active: 0, retrying: 0, dead: 1, lagSeconds: 12, written: 808, lastWrittenAt: '2026-11-27T16:59:00.000Z' },
      { kind: 'admission', due: 0, active: 0, retrying: 0, dead: 0, lagSeconds: 0, written: 590, lastWrittenAt: '2026-11-27T16:40:00.000Z' },
      { kind: 'task', due: 0, active: 0, retrying: 0, dead: 0, lagSeconds: 0, written: 321, lastWrittenAt: '2026-11-27T16:00:00.000Z' },
      { kind: 'scorecard', due: 0, active: 0, retrying: 0, dead: 0, lagSeconds: 0, written: 64, lastWrittenAt: '2026-11-27T16:00:00.000Z' },
    ],
    errors: [{ kind: 'referral', key: 'R-2211', attempts: 8, error: 'PROPERTY_DOESNT_EXIST: rlx_branch', dead: true }],
    writers: [{ description: 'referralynx start on app-1 (pid 4411)', startedAt: '2026-11-27T08:00:00.000Z', seenAt: '2026-11-27T16:59:30.000Z' }],
  },
  followUps,
  followUpRules: [
    { value: 'new_referral', label: 'New referral' },
    { value: 'first_referral', label: 'First referral from a source' },
    { value: 'non_admit', label: 'Non-admit explained' },
    { value: 'start_of_care', label: 'Start of care update' },
    { value: 'stalled_referral', label: 'Stalled referral' },
    { value: 'check_in', label: 'Account check-in' },
    { value: 'dormant_source', label: 'Dormant source' },
    { value: 'noe_overdue', label: 'Hospice NOE not accepted' },
    { value: 'partner_summary', label: 'Partner summary' },
    { value: 'pilot_at_risk', label: 'Pilot at risk' },
  ],
  nonAdmitReasons: [
    {
      value: 'insurance_not_accepted',
      label: 'Insurance not accepted / no authorization',
      words: 'insurance not accepted',
      offer: "We can suggest an agency in the patient's plan network, or go over other ways to cover care.",
      isDefault: true,
      reworded: false,
    },
    {
      value: 'outside_service_area',
      label: 'Outside service area',
      words: 'outside our service area',
      offer: "We can suggest an agency that serves the patient's area.",
      isDefault: true,
      reworded: false,
    },
  ],
  timeZone: 'America/New_York',
  holidayCalendar: 'US',
};

/** A server with nothing yet: no message, no record written, nothing to map. */
export const emptySettingsPage: SettingsPage = {
  ...settingsPage,
  feeds: { messages: 0, events: 0, referrals: 0, admissions: 0, quarantined: 0 },
  feedStatus: { items: [], truncated: false },
  deadLetters: 0,
  unmatchedSources: { items: [], truncated: false },
  sync: { kinds: settingsPage.sync.kinds.map((k) => ({ ...k, due: 0, dead: 0, lagSeconds: 0, written: 0, lastWrittenAt: null })), errors: [], writers: [] },
};
