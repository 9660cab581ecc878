// Preload that splits a streaming call's time to first token into stages inside the gateway, without changing
// it: node:http's and undici's diagnostics channels mark the request's arrival and the upstream exchange, and
// ServerResponse#writeHead / #write mark the response's headers and first frame. One call at a time is assumed
// (the TTFT probe runs one connection): a new chat request restarts the clock.
//
//   node --import ./bench/ttft-stages.mjs dist/main.js serve ...     then `kill -USR2 <pid>` prints medians, and clears
//
// bench/ttft-stages.sh runs it against the harness's mock with the TTFT probe.
import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import process from 'node:process';

/** Stage name → µs after the request reached the server, one entry per call. */
const marks = new Map();
let startedAt = 0n;
let isTiming = false;

function mark(name) {
  if (!isTiming) return;
  const micros = Number(process.hrtime.bigint() - startedAt) / 1000;
  let list = marks.get(name);
  if (list === undefined) marks.set(name, (list = []));
  list.push(micros);
}

diagnostics.subscribe('http.server.request.start', ({ request }) => {
  if (request.method !== 'POST' || !/\/(chat\/completions|messages)$/.test(request.url ?? '')) return;
  startedAt = process.hrtime.bigint();
  isTiming = true;
});
diagnostics.subscribe('undici:request:create', () => mark('upstream request created (undici)'));
diagnostics.subscribe('undici:client:sendHeaders', () => mark('upstream request headers written'));
diagnostics.subscribe('undici:request:bodySent', () => mark('upstream request body written'));
diagnostics.subscribe('undici:request:headers', () => mark('upstream response headers parsed'));

const { writeHead, write } = http.ServerResponse.prototype;
http.ServerResponse.prototype.writeHead = function timedWriteHead(...args) {
  mark('response headers (first output event seen)');
  return writeHead.apply(this, args);
};
http.ServerResponse.prototype.write = function timedWrite(...args) {
  const result = write.apply(this, args);
  if (isTiming) {
    mark('first frame handed to the socket');
    isTiming = false;
  }
  return result;
};

process.on('SIGUSR2', () => {
  const rows = [...marks].map(([name, list]) => {
    list.sort((a, b) => a - b);
    return { name, median: list[list.length >> 1], count: list.length };
  });
  rows.sort((a, b) => a.median - b.median);
  let previous = 0;
  process.stderr.write('   at µs  took µs  stage (calls)\n');
  for (const { name, median, count } of rows) {
    process.stderr.write(
      `${median.toFixed(0).padStart(8)} ${(median - previous).toFixed(0).padStart(8)}  ${name} (${count})\n`,
    );
    previous = median;
  }
  marks.clear();
});
