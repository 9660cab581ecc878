import type { Command } from 'commander';
import { buildCatalog, loadVendorFiles } from '../catalog/index.js';
import type { Catalog, Model } from '../catalog/index.js';
import { renderModel as renderApiModel } from '../http/routes/render-model.js';
import { loadCliConfig } from './load-cli-config.js';
import { supportedProtocols } from './start-gateway.js';
import { jsonOption, writeJson } from './write-json.js';

/** `meridian models list|show`: the catalog as this node would serve it (providers enabled by env). */
export function registerModelsCommands(program: Command): void {
  const models = program.command('models').description('Inspect the model catalog');
  models
    .command('list')
    .description('List models with an enabled provider: id, origin, context length, providers')
    .option('--config <path>', 'config file')
    .option(...jsonOption)
    .action((options: { config?: string; json?: boolean }) => {
      const catalog = loadCatalog(options.config);
      const sorted = [...catalog.models.values()].sort((left, right) => left.id.localeCompare(right.id));
      // As GET /v1/models renders each model (prices per token as exact decimal strings).
      if (options.json === true) return writeJson(sorted.map(renderApiModel));
      for (const model of sorted) {
        const providers = model.endpoints.map((endpoint) => endpoint.provider.id).join(',');
        process.stdout.write(`${model.id}\t${model.origin}\t${model.contextLength}\t${providers}\n`);
      }
    });
  models
    .command('show <id>')
    .description("Show one model: its fields and each endpoint's prices (USD per 1M tokens)")
    .option('--config <path>', 'config file')
    .option(...jsonOption)
    .action((id: string, options: { config?: string; json?: boolean }) => {
      const model = findModel(loadCatalog(options.config), id);
      if (options.json === true) return writeJson(renderApiModel(model));
      process.stdout.write(renderModel(model));
    });
}

function loadCatalog(configPath: string | undefined): Catalog {
  const { config } = loadCliConfig(configPath);
  return buildCatalog({
    vendorFiles: loadVendorFiles(),
    configProviders: config.providers,
    configModels: config.models,
    env: process.env,
    sandboxBaseUrl: config.sandbox.enabled ? 'http://127.0.0.1:0/v1' : undefined,
    supportedProtocols,
    aliases: config.aliases,
  });
}

/** The model by id or alias; an id the catalog knows without an enabled provider, or does not know, is refused. */
export function findModel(catalog: Catalog, id: string): Model {
  const model = catalog.models.get(catalog.aliases.get(id) ?? id);
  if (model !== undefined) return model;
  if (catalog.knownModelIds.has(id)) {
    throw new Error(`model '${id}' has no enabled provider: set its provider's key variable (docs/configuration.md)`);
  }
  throw new Error(`model '${id}' is not in the catalog ('meridian models list' shows what is served)`);
}

/** One model as `models show` prints it: `field<TAB>value` lines, then one tab-separated row per endpoint. */
export function renderModel(model: Model): string {
  const fields: [string, string][] = [
    ['id', model.id],
    ['name', model.name],
    ['author', model.author],
    ['origin', model.origin],
    ['context_length', String(model.contextLength)],
    ['modalities', `${model.inputModalities.join(',')} -> ${model.outputModalities.join(',')}`],
    ['supported_parameters', model.supportedParameters.join(',') || '-'],
  ];
  if (model.description !== undefined) fields.push(['description', model.description]);
  const header = ['provider', 'upstream_model', 'prompt', 'completion', 'cache_read', 'cache_write', 'reasoning'];
  const endpointRows = model.endpoints.map((endpoint) => {
    const prices = endpoint.prices.published;
    return [
      endpoint.provider.id,
      endpoint.upstreamModel,
      prices.prompt,
      prices.completion,
      prices.cacheRead ?? '-',
      prices.cacheWrite ?? '-',
      prices.reasoning ?? '-',
      String(endpoint.contextLength),
      endpoint.maxOutputTokens === undefined ? '-' : String(endpoint.maxOutputTokens),
      endpoint.schedule.length === 0 ? '-' : `${endpoint.schedule.length} window(s)`,
    ];
  });
  const lines = [
    ...fields.map(([name, value]) => `${name}\t${value}`),
    '',
    'endpoints (prices in USD per 1M tokens)',
    [...header, 'context_length', 'max_output', 'schedule'].join('\t'),
    ...endpointRows.map((row) => row.join('\t')),
  ];
  return `${lines.join('\n')}\n`;
}
