import type { Command } from 'commander';
import { buildCatalog, loadVendorFiles } from '../catalog/index.js';
import { loadCliConfig } from './load-cli-config.js';
import { supportedProtocols } from './start-gateway.js';

/** `meridian models list`: the catalog as this node would serve it (providers enabled by env). */
export function registerModelsCommands(program: Command): void {
  const models = program.command('models').description('Inspect the model catalog');
  models
    .command('list')
    .description('List models with an enabled provider')
    .option('--config <path>', 'config file')
    .action((options: { config?: string }) => {
      const { config } = loadCliConfig(options.config);
      const catalog = buildCatalog({
        vendorFiles: loadVendorFiles(),
        configProviders: config.providers,
        configModels: config.models,
        env: process.env,
        sandboxBaseUrl: config.sandbox.enabled ? 'http://127.0.0.1:0/v1' : undefined,
        supportedProtocols,
      });
      for (const model of [...catalog.models.values()].sort((left, right) => left.id.localeCompare(right.id))) {
        const providers = model.endpoints.map((endpoint) => endpoint.provider.id).join(',');
        process.stdout.write(`${model.id}\t${model.origin}\t${model.contextLength}\t${providers}\n`);
      }
    });
}
