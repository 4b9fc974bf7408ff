export {
  runGroupConsumer,
  consumerLag,
  describeAssignment,
  coversExactlyOnce,
  trackAssignment,
  type CommitMode,
  type ConsumerCrash,
  type GroupConsumerOptions,
  type GroupLag,
  type PartitionLag,
  type GroupAssignment,
  type AssignmentTracker,
} from './group.ts';
export {
  GroupError,
  GroupArgumentError,
  GroupServiceError,
  GroupHandlerError,
  isGroupError,
  type AnyGroupError,
  type GroupErrorCode,
} from './errors.ts';
