// high-traffic-api: a product API composed from poc-redis-rate-limit and poc-redis-kv-cache.
export { createApp, clientKey, type AppOptions } from './app.ts';
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
export { ApiError, ApiArgumentError, isApiError, isApiArgumentError, type ApiErrorCode } from './errors.ts';
