// Preload that times every better-sqlite3 statement the gateway runs, by SQL text, without changing the gateway:
// `run`, `get` and `all` of each prepared statement are wrapped with a clock. `kill -USR2 <pid>` prints the totals
// (time, calls, time per call, the statement's first 70 characters) and starts counting again. BEGIN and COMMIT of
// better-sqlite3's transaction functions are not counted (they run through its own statements): the first statement
// of a transaction is charged for the WAL read lock it takes.
//
//   MERIDIAN_LOG_LEVEL=silent node --import ./bench/sql-statement-times.mjs dist/main.js serve --config bench/gateway.yaml
//   (load it, kill -USR2 to start counting, load it again, kill -USR2 to print)
import { createRequire } from 'node:module';
import process from 'node:process';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const shownCountMax = 25;

/** "<sql> [method]" → time and calls. */
const totals = new Map();

function timed(statement, sql) {
  const label = sql.replace(/\s+/g, ' ').slice(0, 70);
  for (const method of ['run', 'get', 'all']) {
    const original = statement[method];
    const key = `${label} [${method}]`;
    statement[method] = function timedCall(...args) {
      const startedAt = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const total = totals.get(key) ?? { calls: 0, nanos: 0n };
        total.calls += 1;
        total.nanos += process.hrtime.bigint() - startedAt;
        totals.set(key, total);
      }
    };
  }
  return statement;
}

const { prepare } = Database.prototype;
Database.prototype.prepare = function timedPrepare(sql, ...rest) {
  return timed(prepare.call(this, sql, ...rest), sql);
};

process.on('SIGUSR2', () => {
  const rows = [...totals].sort((left, right) => Number(right[1].nanos - left[1].nanos));
  const all = rows.reduce((sum, [, total]) => sum + total.nanos, 0n);
  process.stderr.write(`statements: ${(Number(all) / 1e6).toFixed(1)} ms in all\n`);
  for (const [key, { calls, nanos }] of rows.slice(0, shownCountMax)) {
    const ms = (Number(nanos) / 1e6).toFixed(1).padStart(8);
    const each = (Number(nanos) / calls / 1000).toFixed(1).padStart(6);
    process.stderr.write(`${ms} ms ${String(calls).padStart(8)} calls ${each} µs  ${key}\n`);
  }
  totals.clear();
});
