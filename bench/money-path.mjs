// Measures the money path alone: admission (placeHold) and settlement (settle + generation record, committed in
// batches like the generation writer's), over the built gateway (`npm run build` first), on a SQLite file.
// Admission runs as the gateway runs it (`batched`: holds decided in memory and written with the next commit) or
// one transaction per hold (`each`). Each round admits `batch` requests, then settles them in one batch.
// Usage: node bench/money-path.mjs [requests=5000] [batch=32] [batched|each] [verify|no-verify]
// (`no-verify` skips the closing `ledger verify`, whose cost grows with the ledger: bench/instructions.sh uses it.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStorage } from '../dist/storage/index.js';
import { createTestGenerationRecord } from '../dist/storage/test-generation-record.js';

const requests = Number(process.argv[2] ?? 5000);
const batchSize = Number(process.argv[3] ?? 32);
const holdCommit = process.argv[4] ?? 'batched';
const isVerified = process.argv[5] !== 'no-verify';
const directory = mkdtempSync(join(tmpdir(), 'meridian-money-'));
const storage = openSqliteStorage({ path: join(directory, 'meridian.db'), ledger: { holdCommit } });
const orgId = 'default';
const keyId = 'key_bench';
storage.ledger.grant({ grantId: 'bench', orgId, amount: 10n ** 15n, nowMs: Date.now() });

const cpuMicros = () => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

function admit(index) {
  const result = storage.ledger.placeHold({
    requestId: `gen_${index}`,
    orgId,
    keyId,
    amountMax: 2_000_000n,
    amountMin: 100_000n,
    keyLimit: { limitNanos: 10n ** 14n, windowStartMs: 0 },
    nowMs: Date.now(),
    ttlMs: 600_000,
  });
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
}

function settle(from, to) {
  const records = [];
  for (let index = from; index < to; index += 1) {
    records.push(
      createTestGenerationRecord(`gen_${index}`, {
        orgId,
        keyId,
        costNanos: 0n,
        upstreamCostNanos: 1_000_000n,
        settlement: {
          requestId: `gen_${index}`,
          chargeNanos: 1_234_567n,
          attemptCosts: [{ attemptId: `att_${index}`, providerId: 'mock', amount: 1_000_000n }],
          nowMs: Date.now(),
        },
      }),
    );
  }
  storage.generations.insertGenerations(records);
}

function round(from, to) {
  let startCpu = cpuMicros();
  for (let index = from; index < to; index += 1) admit(index);
  const admitted = cpuMicros() - startCpu;
  startCpu = cpuMicros();
  settle(from, to);
  return { admitted, settled: cpuMicros() - startCpu };
}

// Warm up, then measure admission (with its share of the batched hold write) and settlement per request.
const warmFrom = 1e9;
for (let index = warmFrom; index < warmFrom + 1000; index += batchSize) round(index, index + batchSize);
let admitTotal = 0;
let settleTotal = 0;
for (let index = 0; index < requests; index += batchSize) {
  const { admitted, settled } = round(index, Math.min(index + batchSize, requests));
  admitTotal += admitted;
  settleTotal += settled;
}
const verified = isVerified ? storage.ledger.verify(Date.now(), 0).filter((result) => !result.ok) : [];
if (verified.length > 0) throw new Error(`ledger verify failed: ${JSON.stringify(verified)}`);
storage.close();
rmSync(directory, { recursive: true, force: true });
console.log(
  JSON.stringify({
    requests,
    batchSize,
    holdCommit,
    admitCpuMicros: Math.round(admitTotal / requests),
    settleCpuMicros: Math.round(settleTotal / requests),
  }),
);
