export {
  sessionStore,
  newSessionId,
  isWellFormedId,
  type SessionStore,
  type SessionStoreOptions,
  type Session,
  type SessionData,
  type ReadResult,
  type UpdateResult,
  type Miss,
} from './store.ts';
export {
  SessionError,
  SessionArgumentError,
  SessionServiceError,
  isSessionError,
  type SessionErrorCode,
} from './errors.ts';
