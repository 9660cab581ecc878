import { describe, expect, it } from 'vitest';
import { buildCatalog } from './build-catalog.js';
import { describeUnservedAlias, findUnservedAliases } from './find-unserved-aliases.js';
import { loadVendorFiles } from './load-vendor-files.js';

const vendorFiles = loadVendorFiles();

function catalogWith(aliases: Record<string, string>, env: Record<string, string>) {
  return buildCatalog({ vendorFiles, configProviders: [], configModels: [], sandboxBaseUrl: undefined, env, aliases });
}

describe('findUnservedAliases', () => {
  it('accepts aliases to served models and to passthrough providers, the catch-all included', () => {
    const catalog = catalogWith(
      { chat: 'deepseek/deepseek-v3.2', local: 'ollama/llama3.2', '*': 'ollama/*' },
      { DEEPSEEK_API_KEY: 'sk-test', OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1' },
    );
    expect(findUnservedAliases(catalog)).toEqual([]);
  });

  it('names a misspelt target and a model whose provider has no key, each with its reason', () => {
    const catalog = catalogWith(
      {
        typo: 'deepseek/deepseek-v3-2',
        nokey: 'moonshotai/kimi-k2.5',
        '*': 'ollama/*',
        fine: 'deepseek/deepseek-v3.2',
      },
      { DEEPSEEK_API_KEY: 'sk-test' },
    );
    const problems = findUnservedAliases(catalog);
    expect(problems).toEqual([
      { alias: 'typo', target: 'deepseek/deepseek-v3-2', reason: 'unknown' },
      { alias: 'nokey', target: 'moonshotai/kimi-k2.5', reason: 'unserved' },
      { alias: '*', target: 'ollama/*', reason: 'unknown' },
    ]);
    expect(describeUnservedAlias(problems[0]!)).toBe(
      "alias 'typo' → 'deepseek/deepseek-v3-2' names no model of the config or the built-in catalog, and no passthrough provider (calls get 404 model_not_found)",
    );
  });
});
