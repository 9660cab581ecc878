import { loadVendorFiles } from '../catalog/index.js';
import { loadConfig } from '../config/index.js';
import type { LoadedConfig } from '../config/index.js';

/** Loads the config for a CLI command: `--config`, else MERIDIAN_CONFIG, else ./meridian.yaml, else defaults. */
export function loadCliConfig(configPath: string | undefined): LoadedConfig {
  const builtInProviderIds = new Set(
    loadVendorFiles().flatMap((file) => file.providers.map((provider) => provider.id)),
  );
  return loadConfig({ path: configPath, env: process.env, cwd: process.cwd(), builtInProviderIds });
}
