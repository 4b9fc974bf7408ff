export {
  publisher,
  subscribe,
  channelOf,
  type Publisher,
  type Subscription,
  type SubscribeOptions,
  type Notification,
} from './pubsub.ts';
export { feedWriter, openFeedReader, type FeedWriter, type FeedReader, type FeedEntry } from './feed.ts';
export {
  PubSubError,
  PubSubArgumentError,
  PubSubServiceError,
  isPubSubError,
  type AnyPubSubError,
  type PubSubErrorCode,
} from './errors.ts';
