export {
  runGroupConsumer,
  consumerLag,
  describeAssignment,
  coversExactlyOnce,
  trackAssignment,
  type CommitMode,
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
  isGroupError,
  type AnyGroupError,
  type GroupErrorCode,
} from './errors.ts';
