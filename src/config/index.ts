export { limits } from './limits.js';
export type { Limits } from './limits.js';
export { ConfigError, formatConfigPath, loadConfig, resolveSqlitePath } from './load-config.js';
export type { ConfigIssue, LoadConfigOptions, LoadedConfig, MeridianConfig } from './load-config.js';
export { configFileSchema } from './config-schema.js';
