export { resolveEndpoints } from './resolve-endpoints.js';
export type { ResolvedModel, ModelSuffix } from './resolve-endpoints.js';
