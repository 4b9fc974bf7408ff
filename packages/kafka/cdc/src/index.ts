// The public API of poc-kafka-cdc. Factories take their clients (a KafkaJS Kafka, a pg Pool) and
// options; nothing connects at import. The naive dual write is behind the subpath 'poc-kafka-cdc/naive'.
export { cdcConnector, type CdcConnector, type CdcOptions, type ProducedBatch } from './connector.ts';
export type { SlotProgress } from './slot.ts';
export { HEADERS, parseRowChange, type ChangeOp, type Row, type RowChange } from './changes.ts';
export { outbox, type Outbox, type DomainEvent, type TransactionWork } from './outbox.ts';
export { outboxPoller, type OutboxPoller, type OutboxPollerOptions } from './poller.ts';
export { parseLsn, formatLsn, changePosition, positionFilter, type PositionFilter } from './position.ts';
export {
  CdcError,
  CdcArgumentError,
  CdcSetupError,
  CdcServiceError,
  isCdcError,
  type AnyCdcError,
  type CdcErrorCode,
} from './errors.ts';
