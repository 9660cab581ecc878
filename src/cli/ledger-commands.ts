import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { parsePriceNanosPerMillion } from '../catalog/parse-price.js';
import { formatInvariantReport, nanosMax, reservedGrantIdPrefixes } from '../ledger/index.js';
import { renderUsdText } from '../metering/index.js';
import { withStorage } from './keys-commands.js';
import { holdGraceMsDefault } from './start-gateway.js';

/** `meridian credits grant|balance` and `meridian ledger verify`, on the node's storage (no server needed). */
export function registerLedgerCommands(program: Command): void {
  const credits = program.command('credits').description('Grant and inspect prepaid credits');
  credits
    .command('grant <org> <amount>')
    .description('Grant USD credits to an org (idempotent with --grant-id)')
    .option('--grant-id <id>', 'idempotency id, e.g. a payment reference')
    .option('--config <path>', 'config file')
    .action((orgId: string, amount: string, options: { grantId?: string; config?: string }) =>
      withStorage(options.config, async ({ storage }) => {
        if ((await storage.orgs.findOrg(orgId)) === undefined) throw new Error(`org '${orgId}' does not exist`);
        const amountNanos = readGrantAmount(amount);
        const reserved = reservedGrantIdPrefixes.find(({ prefix }) => options.grantId?.startsWith(prefix) === true);
        if (reserved !== undefined)
          throw new Error(`grant ids starting with '${reserved.prefix}' are reserved for ${reserved.owner}`);
        // Random, not the time: two grants in one millisecond would share a time-based id, and the second land as a repeat.
        const grantId = options.grantId ?? `cli:${randomUUID()}`;
        const isGranted = await storage.ledger.grant({
          grantId,
          orgId,
          amount: amountNanos,
          nowMs: Date.now(),
        });
        process.stdout.write(
          isGranted ? `Granted $${amount} to ${orgId} (${grantId})\n` : `Grant ${grantId} was already applied\n`,
        );
      }),
    );
  credits
    .command('balance <org>')
    .description("Print an org's credit: granted, charged, held, available (USD)")
    .option('--config <path>', 'config file')
    .action((orgId: string, options: { config?: string }) =>
      withStorage(options.config, async ({ storage }) => {
        if ((await storage.orgs.findOrg(orgId)) === undefined) throw new Error(`org '${orgId}' does not exist`);
        const balance = await storage.ledger.balance(orgId);
        process.stdout.write(
          `granted ${renderUsdText(balance.grantedNanos)}\ncharged ${renderUsdText(balance.chargedNanos)}\nheld ${renderUsdText(balance.heldNanos)}\navailable ${renderUsdText(balance.availableNanos)}\n`,
        );
      }),
    );
  program
    .command('ledger')
    .description('Ledger tools')
    .command('verify')
    .description('Check the ledger invariants (RELIABILITY.md INV-1..INV-8); exit code 1 if any fails')
    .option('--config <path>', 'config file')
    .action((options: { config?: string }) =>
      withStorage(
        options.config,
        async ({ storage }, config) => {
          const generationRecords = { retentionDays: config.storage.generationRetentionDays };
          const graceMs = config.billing.holdGraceMs ?? holdGraceMsDefault;
          const results = await storage.ledger.verify(Date.now(), graceMs, { generationRecords });
          process.stdout.write(`${formatInvariantReport(results)}\n`);
          if (results.some((result) => !result.ok)) process.exitCode = 1;
        },
        'inspect',
      ),
    );
}

/** A grant's USD amount as nano-units, refused (naming it) unless it is above zero and at most the API's 1e9 USD. */
function readGrantAmount(amount: string): bigint {
  if (!/^\d{1,12}(\.\d{1,9})?$/.test(amount)) throw new Error(`amount '${amount}' is not a USD amount like 25.00`);
  const nanos = parsePriceNanosPerMillion(amount);
  if (nanos === 0n) throw new Error(`amount '${amount}' must be above zero`);
  if (nanos > nanosMax) throw new Error(`amount '${amount}' must be at most ${renderUsdText(nanosMax)} USD`);
  return nanos;
}
