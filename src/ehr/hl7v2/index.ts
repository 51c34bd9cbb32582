/** The HL7 v2 adapter: messages (MLLP or files) in, canonical events out. The mapping is in MAPPING.md. */
export { parseHl7Message, type Hl7ParseOutcome } from './toEvents';
export { buildAck, type AckCode } from './ack';
export { splitHl7Batch, readHl7Path, type Hl7Input } from './batch';
export { startMllpListener, type MllpListener, type MllpListenerOptions } from './mllpListener';
export { hl7MappingOptions, type Hl7MappingOptions } from './options';
