#!/usr/bin/env node
import { Command } from 'commander';
import { registerKeysCommands } from './cli/keys-commands.js';
import { registerLedgerCommands } from './cli/ledger-commands.js';
import { registerMigrateCommand } from './cli/migrate-command.js';
import { registerModelsCommands } from './cli/models-commands.js';
import { registerProvidersCommands } from './cli/providers-commands.js';
import { registerRankingsCommand } from './cli/rankings-command.js';
import { registerServeCommand } from './cli/serve-command.js';
import { registerSimulateCommand } from './cli/simulate-command.js';

/** Process entry: `meridian <command>`. Long-form flags only. */
const program = new Command()
  .name('meridian')
  .description('Meridian: a self-hosted LLM gateway with metering, credits and a usage barometer.')
  .showHelpAfterError();

registerServeCommand(program);
registerKeysCommands(program);
registerLedgerCommands(program);
registerMigrateCommand(program);
registerModelsCommands(program);
registerProvidersCommands(program);
registerRankingsCommand(program);
registerSimulateCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`meridian: ${error instanceof Error ? error.message : String(error)}\n`);
  // A command that failed half-way (a gateway that could not listen) may hold storage and timers open: exit now.
  process.exit(1);
});
