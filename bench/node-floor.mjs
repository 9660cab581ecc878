// The Node.js floor for ../shared/bench: the least a Node proxy can do per call with the same building blocks as
// Meridian (node:http in front, undici's pooled `request` behind), and nothing else: no auth, routing, metering,
// storage or re-rendering. It reads the body, parses and re-serialises it (any gateway that reads the model must),
// sends it to the harness's mock and copies the answer's bytes back as they arrive. Measured beside nginx in the
// same run, it shows how much of Meridian's ratio is Node itself.
//
//   bench/compare-node-floor.sh        (or: node bench/node-floor.mjs [port=18400] [upstream=http://127.0.0.1:18100])
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { URL } from 'node:url';
import { Pool } from 'undici';

const port = Number(process.argv[2] ?? 18400);
const upstream = new URL(process.argv[3] ?? 'http://127.0.0.1:18100');
if (upstream.hostname !== '127.0.0.1') throw new Error('node-floor: loopback upstreams only');
/** Connections kept to the mock: enough for the harness's 256-connection cells. */
const upstreamConnectionsMax = 256;
const pool = new Pool(upstream.origin, { connections: upstreamConnectionsMax });

async function proxy(request, response) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const body = JSON.stringify(JSON.parse(Buffer.concat(chunks).toString('utf8')));
  const answer = await pool.request({
    path: request.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  response.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type'] ?? '') });
  for await (const chunk of answer.body) response.write(chunk);
  response.end();
}

createServer((request, response) => {
  proxy(request, response).catch((error) => {
    if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
    response.end(String(error));
  });
}).listen(port, '127.0.0.1', () => console.log(`node-floor listening on 127.0.0.1:${port}`));
