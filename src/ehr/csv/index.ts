/**
 * CSV report exports (a nightly "Referral Log" from the agency's EHR) to canonical events: a mapping profile says how
 * the report reads (profile.ts, ./profiles), each row is mapped as a snapshot of its referral (mapRow.ts), and files
 * are streamed record by record (parse.ts).
 */
export {
  builtInProfileNames,
  csvProfileSchema,
  CsvProfileError,
  loadProfile,
  parseCsvProfile,
  type CsvProfile,
  type CsvProfileInput,
} from './profile';
export { mapCsvRow, type CsvAdapterContext } from './mapRow';
export { parseCsvFile, parseCsvStream, type CsvRowResult } from './parse';
export { syntheticReferralRows } from './synthetic';
