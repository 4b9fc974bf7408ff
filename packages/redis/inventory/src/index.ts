// The public API of poc-redis-inventory: one factory that takes an ioredis client and its options (a
// Clock only where a test drives expiry; by default the Redis server's clock decides). Nothing connects
// at import. The naive variant is behind the subpath 'poc-redis-inventory/naive'.
export {
  inventory,
  inventoryKeys,
  type CallOptions,
  type Inventory,
  type InventoryOptions,
  type ReserveOptions,
  type ReserveResult,
  type Reservation,
  type Reserver,
  type Settled,
  type StockLevels,
} from './inventory.ts';
export {
  InventoryError,
  InventoryArgumentError,
  InventoryServiceError,
  ReservationConflictError,
  ReservationExpiredError,
  ReservationNotFoundError,
  isInventoryError,
  type AnyInventoryError,
  type InventoryErrorCode,
  type ReservationState,
} from './errors.ts';
