import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { parsePriceNanosPerMillion } from '../catalog/parse-price.js';
import { formatInvariantReport, nanosMax, reservedGrantIdPrefixes } from '../ledger/index.js';
import type { InvariantResult } from '../ledger/index.js';
import { renderUsdText } from '../metering/index.js';
import { renderBalance } from '../http/routes/credits-route.js';
import { withStorage } from './keys-commands.js';
import { holdGraceMsDefault } from './start-gateway.js';
import { jsonOption, writeJson } from './write-json.js';

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
    .option(...jsonOption)
    .action((orgId: string, options: { config?: string; json?: boolean }) =>
      withStorage(options.config, async ({ storage }) => {
        if ((await storage.orgs.findOrg(orgId)) === undefined) throw new Error(`org '${orgId}' does not exist`);
        const balance = await storage.ledger.balance(orgId);
        // As GET /api/v1/credits renders it: USD numbers (OpenRouter's names) and exact `…_nanos` text.
        if (options.json === true) return writeJson({ org_id: orgId, ...renderBalance(balance) });
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
    .option(...jsonOption)
    .action((options: { config?: string; json?: boolean }) =>
      withStorage(
        options.config,
        async ({ storage }, config) => {
          const generationRecords = { retentionDays: config.storage.generationRetentionDays };
          const graceMs = config.billing.holdGraceMs ?? holdGraceMsDefault;
          const results = await storage.ledger.verify(Date.now(), graceMs, { generationRecords });
          if (options.json === true)
            writeJson({ ok: results.every((result) => result.ok), invariants: results.map(renderInvariant) });
          else process.stdout.write(`${formatInvariantReport(results)}\n`);
          if (results.some((result) => !result.ok)) process.exitCode = 1;
        },
        'inspect',
      ),
    );
}

/** One invariant's result for `ledger verify --json`: `note` is null when the store decides all of it. */
function renderInvariant(result: InvariantResult): Record<string, unknown> {
  return { id: result.id, title: result.title, ok: result.ok, failures: result.failures, note: result.note ?? null };
}

/** A grant's USD amount as nano-units, refused (naming it) unless it is above zero and at most the API's 1e9 USD. */
function readGrantAmount(amount: string): bigint {
  if (!/^\d{1,12}(\.\d{1,9})?$/.test(amount)) throw new Error(`amount '${amount}' is not a USD amount like 25.00`);
  const nanos = parsePriceNanosPerMillion(amount);
  if (nanos === 0n) throw new Error(`amount '${amount}' must be above zero`);
  if (nanos > nanosMax) throw new Error(`amount '${amount}' must be at most ${renderUsdText(nanosMax)} USD`);
  return nanos;
}
