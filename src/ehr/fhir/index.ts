/**
 * The FHIR R4 adapter: a pushed or polled FHIR document becomes canonical events (parse.ts, with referral.ts for
 * ServiceRequests and workflow.ts for Tasks, episodes and visits), and a FHIR server is polled for what changed
 * (poll.ts).
 */
export { parseFhirPayload } from './parse';
export {
  defaultIncludes,
  defaultPollTypes,
  FhirPollError,
  pollFhirServer,
  readFhirPollCursor,
  type FhirPollOptions,
  type FhirPollPage,
} from './poll';
export { payerCategoryOfCoverageType, payerCategoryOfSopt } from './payer';
