import { buildCatalog, loadVendorFiles } from '../catalog/index.js';
import type { Catalog } from '../catalog/index.js';

/**
 * The built-in catalog (models, endpoints, dated prices) with every provider switched on, whether or not this node
 * has its key: a simulated call is routed and priced as if every provider were configured, and nothing is ever
 * sent to one. The sandbox stays off (its fictional models are not part of the market).
 */
export function createSimulationCatalog(): Catalog {
  const vendorFiles = loadVendorFiles().map((file) => ({
    ...file,
    providers: file.providers.map((provider) => ({ ...provider, keyless: true })),
  }));
  return buildCatalog({ vendorFiles, configProviders: [], configModels: [], env: {}, sandboxBaseUrl: undefined });
}
