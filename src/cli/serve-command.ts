import type { Command } from 'commander';
import { describeUnservedAlias, findUnservedAliases } from '../catalog/index.js';
import { createLogger } from '../observability/index.js';
import type { LogLevel } from '../observability/index.js';
import { loadCliConfig } from './load-cli-config.js';
import { checkGatewayConfig, startGateway } from './start-gateway.js';

/** `meridian serve`: runs a gateway node until SIGINT/SIGTERM, then shuts down cleanly. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the gateway (zero-config: built-in catalog, SQLite under ./data, sandbox provider)')
    .option('--config <path>', 'config file (default: $MERIDIAN_CONFIG or ./meridian.yaml if present)')
    .option('--port <port>', 'listen port (overrides server.port; 0 = any free port)', parsePort)
    .option('--host <host>', 'listen address (overrides server.host)')
    .option('--check', 'validate the config and the catalog it builds, then exit (0 = valid)')
    .action(async (options: { config?: string; port?: number; host?: string; check?: boolean }) => {
      // Read first: a mistyped level stops the start (and the check) rather than logging at another level.
      const level = readLogLevel(process.env['MERIDIAN_LOG_LEVEL']);
      if (options.check === true) {
        const loaded = loadCliConfig(options.config);
        const catalog = checkGatewayConfig({ loaded, env: process.env });
        process.stdout.write(`Config is valid: ${catalog.models.size} models, ${catalog.providers.size} providers.\n`);
        for (const problem of findUnservedAliases(catalog)) {
          const where = loaded.locate(['aliases', problem.alias], true);
          process.stdout.write(
            `warning: ${where === undefined ? '' : `${where}: `}${describeUnservedAlias(problem)}\n`,
          );
        }
        return;
      }
      const log = createLogger({ level });
      // Node's default for SIGHUP is to exit at once, with no drain or settlement: a `kill -HUP` meant as "reload" or
      // a closed terminal would cut every call. The config is read at start only; say so and keep serving. Registered
      // before the start, so no window is left where the default applies.
      process.on('SIGHUP', () =>
        log.warn('config_reload_unsupported', {
          signal: 'SIGHUP',
          detail: 'the config is read at start only: restart the node (SIGTERM drains it) to apply changes',
        }),
      );
      const gateway = await startGateway({
        loaded: loadCliConfig(options.config),
        env: process.env,
        log,
        print: (line) => process.stdout.write(`${line}\n`),
        portOverride: options.port,
        hostOverride: options.host,
      });
      let isStopping = false;
      const stop = (signal: string): void => {
        if (isStopping) {
          // A second signal (Ctrl-C twice): the calls still open stop now, are settled, and the node exits.
          log.info('shutdown_hurried', { signal });
          gateway.hurry();
          return;
        }
        isStopping = true;
        log.info('shutdown', { signal });
        gateway.close().then(
          () => process.exit(0),
          (error: unknown) => {
            log.error('shutdown_failed', { error: String(error) });
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}

const logLevels: readonly LogLevel[] = ['info', 'warn', 'error', 'silent'];

/** `MERIDIAN_LOG_LEVEL`: unset or empty is `info`; anything but a known level is refused, naming the variable. */
export function readLogLevel(value: string | undefined): LogLevel {
  if (value === undefined || value === '') return 'info';
  const level = logLevels.find((known) => known === value);
  if (level === undefined) {
    throw new Error(`MERIDIAN_LOG_LEVEL must be one of ${logLevels.join(', ')}; got '${value}'.`);
  }
  return level;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be 0–65535, got '${value}'`);
  return port;
}
