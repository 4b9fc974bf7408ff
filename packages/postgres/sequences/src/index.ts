// The public API of poc-postgres-sequences: key strategies, a table keyed by one, the data generator and
// the package's errors. The MAX()+1 table is behind the subpath 'poc-postgres-sequences/naive'.
export { identityKeys, serverUuidV4Keys, uuidV4Keys, uuidV7Keys, type KeyStrategy } from './keys.ts';
export { keyedTable, type IndexStats, type KeyedTable, type Queryable, type TableOptions } from './table.ts';
export { prefill } from './data.ts';
export {
  DuplicateKeyError,
  SequencesError,
  SequencesArgumentError,
  SequencesServiceError,
  isSequencesError,
  type AnySequencesError,
  type SequencesErrorCode,
} from './errors.ts';
