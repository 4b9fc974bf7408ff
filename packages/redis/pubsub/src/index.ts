export {
  publisher,
  subscribe,
  channelOf,
  systemClock,
  type Publisher,
  type Subscription,
  type SubscribeOptions,
  type Notification,
  type Clock,
} from './pubsub.ts';
export { feedWriter, openFeedReader, type FeedWriter, type FeedReader, type FeedEntry } from './feed.ts';
export {
  PubSubError,
  PubSubArgumentError,
  PubSubServiceError,
  isPubSubError,
  isPubSubArgumentError,
  isPubSubServiceError,
  type PubSubErrorCode,
} from './errors.ts';
