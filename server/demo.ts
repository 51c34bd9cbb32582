import fs from 'node:fs';
import path from 'node:path';
import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { DateTime } from 'luxon';
import { generateDemoAgency, type DemoAgency } from '../src/demo/agency';
import { agencyCsvExport, agencyHl7Feed } from '../src/demo/emit';
import { batchCreate, findByPropertyValues } from '../src/hubspot/api';
import { demoCommissionPlan, demoPayeeRoster } from '../src/demo/commissions';
import { CommissionStore } from '../src/store/commissionStore';
import { savePlan, saveRoster } from '../src/sync/commissions';
import type { HubSpot } from '../src/hubspot/client';
import type { AppServices } from './services';

export interface DemoReplay {
  messages: number;
  rejected: number;
  csvRows: number;
  referrals: number;
  admissions: number;
  quarantined: number;
}

/**
 * Plays the synthetic agency's last year into the running server the way a real EHR would: every HL7 message over
 * MLLP to the listener (one ACK each), then the nightly referral log through the CSV path. Safe to repeat: a second
 * start replays the same messages, which are recognised and change nothing.
 */
export async function replayDemo(services: AppServices, mllpPort: number): Promise<DemoReplay> {
  // The demo year ends on the day it was first played: a later start replays the same agency (all duplicates)
  // instead of inventing another one.
  const folder = path.join(services.config.dataDir, 'demo');
  fs.mkdirSync(folder, { recursive: true });
  const anchorFile = path.join(folder, 'until.txt');
  if (!fs.existsSync(anchorFile)) {
    fs.writeFileSync(anchorFile, DateTime.now().setZone(services.tenant.settings.timeZone).toISODate() ?? '');
  }
  const until = fs.readFileSync(anchorFile, 'utf8').trim();
  const agency = generateDemoAgency({ until, timeZone: services.tenant.settings.timeZone });
  const now = Date.now();

  await seedSources(services.hubspot, agency);
  await mapDemoLiaisons(services);

  const client = new Hl7Client({
    host: services.config.env.REFERRALYNX_MLLP_HOST ?? services.config.env.HOST,
    port: mllpPort,
    keepAlive: true,
  });
  let messages = 0;
  let rejected = 0;
  try {
    for (const message of agencyHl7Feed(agency, now)) {
      const ack = await client.sendAndWait(Hl7Message.parse(message.text));
      messages += 1;
      if (ack.getSegment('MSA')?.getField(1)?.toString() !== 'AA') rejected += 1;
    }
  } finally {
    await client.close();
  }

  const file = path.join(folder, `referral-log-${until}.csv`);
  fs.writeFileSync(file, agencyCsvExport(agency, now));
  const csv = await services.ingestor.csvFile(file, 'generic');
  const counts = await services.ehr.counts(services.tenant.tenantId);
  return {
    messages,
    rejected,
    csvRows: csv.accepted + csv.duplicates + csv.quarantined,
    referrals: counts.referrals,
    admissions: counts.admissions,
    quarantined: counts.quarantined,
  };
}

/**
 * The agency's CRM already knows its referral sources: the demo's hospitals, practices and facilities are created as
 * companies and their clinicians as contacts, with their NPIs, so the sync can link referrals to them. Those already
 * there (a second start) are left alone. The sync tests and bench:sync seed their CRM the same way.
 */
export async function seedSources(hubspot: HubSpot, agency: DemoAgency): Promise<void> {
  const seed = async (objectType: 'companies' | 'contacts', records: Array<{ npi: string; properties: Record<string, string> }>) => {
    const existing = new Set(
      (await findByPropertyValues(hubspot, objectType, 'rlx_npi', records.map((r) => r.npi))).map((r) => r.properties.rlx_npi),
    );
    const missing = records.filter((r) => !existing.has(r.npi));
    await batchCreate(hubspot, objectType, missing.map((r) => ({ properties: { ...r.properties, rlx_npi: r.npi } })));
  };
  await seed(
    'companies',
    agency.sources.map((s) => ({ npi: s.npi, properties: { name: s.name, city: s.city, zip: s.zip } })),
  );
  await seed(
    'contacts',
    agency.sources.flatMap((s) => s.clinicians).map((c) => ({ npi: c.npi, properties: { firstname: c.givenName, lastname: c.familyName } })),
  );
}

/**
 * The demo agency's EHR names its liaisons MKT-101 to MKT-104; in the sandbox they are Maria, James and Priya (the
 * community liaisons) and Dana (intake), so each referral is owned by its liaison. A mapping the administrator set is
 * kept.
 */
async function mapDemoLiaisons(services: AppServices): Promise<void> {
  if (!services.sandbox || Object.keys(services.tenant.settings.marketerOwners).length > 0) return;
  const settings = await services.tenants.updateSettings(services.tenant.tenantId, {
    marketerOwners: {
      'MKT-101': 'maria.alvarez@sunrise-care.example',
      'MKT-102': 'james.okafor@sunrise-care.example',
      'MKT-103': 'priya.nair@sunrise-care.example',
      'MKT-104': 'dana.whitfield@sunrise-care.example',
    },
    agencyName: 'Sunrise Home Health & Hospice',
    // Dana leads intake in the sandbox's teams: stalled referrals and hospice NOEs are hers to move.
    followUps: { ...services.tenant.settings.followUps, intakeOwner: 'dana.whitfield@sunrise-care.example' },
  });
  services.tenant.settings = settings;
}

/**
 * The demo tenant's commission plan and roster (src/demo/commissions.ts), so the demo admissions carry commission
 * properties. A plan the administrator saved is kept.
 */
export async function seedDemoCommissions(services: AppServices): Promise<void> {
  if (!services.sandbox || (await new CommissionStore().planVersions(services.pool, services.tenant.tenantId)).length > 0) return;
  await saveRoster(services.pool, services.tenant, demoPayeeRoster);
  await savePlan(services.pool, services.tenant, demoCommissionPlan);
}
