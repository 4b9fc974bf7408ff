// high-traffic-api: a product API composed from poc-redis-rate-limit and poc-redis-kv-cache.
export { createApp, clientKey, type AppOptions, type AppLimiter, type CachedValue } from './app.ts';
export {
  seedCatalog,
  loadProduct,
  listProducts,
  updateProduct,
  CATEGORIES,
  type Product,
  type ProductSummary,
  type SeedOptions,
} from './catalog.ts';
export { ApiError, ApiArgumentError, isApiError, type ApiErrorCode } from './errors.ts';
