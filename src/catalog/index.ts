export * from './catalog-schema.js';
export type * from './catalog-types.js';
export { buildCatalog, buildPriceTable, CatalogReferenceError } from './build-catalog.js';
export type { BuildCatalogInput } from './build-catalog.js';
export { loadVendorFiles } from './load-vendor-files.js';
export { parsePriceNanosPerMillion } from './parse-price.js';
export { resolvePrices } from './resolve-price.js';
