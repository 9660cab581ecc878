import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CallAbort } from './create-call-abort.js';
import { dispatchExchange } from './dispatch-exchange.js';
import { UpstreamBody } from './upstream-body.js';

/** `/burst`: headers and 50 SSE events in one write; `/hold`: headers and one event, then nothing; `/never`: no answer. */
let server: Server;
let origin: string;
const held: ServerResponse[] = [];
const agent = new Agent({ connections: 4 });

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    if (request.url === '/never') return void held.push(response);
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    if (request.url === '/hold') {
      response.write('data: {"n":0}\n\n');
      return void held.push(response);
    }
    response.end(Array.from({ length: 50 }, (_, n) => `data: {"n":${n}}\n\n`).join(''));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const response of held) response.destroy();
  await agent.close();
  await new Promise((resolve) => server.close(resolve));
});

const send = (path: string, abort = new CallAbort()) =>
  dispatchExchange(agent, { origin, path, method: 'POST', body: '{}', headers: {} }, abort);

describe('dispatchExchange', () => {
  it('answers at the headers and parses none of a burst until the body is read', async () => {
    const push = vi.spyOn(UpstreamBody.prototype, 'push');
    const exchange = await send('/burst');
    await new Promise((resolve) => setImmediate(resolve));
    expect([exchange.statusCode, exchange.headers['content-type'], push.mock.calls.length]).toEqual([
      200,
      'text/event-stream',
      0,
    ]);
    const chunks: Buffer[] = [];
    for await (const chunk of exchange.body) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString().split('\n\n').filter(Boolean)).toHaveLength(50);
    expect(push.mock.calls.length).toBeGreaterThan(0);
    push.mockRestore();
  });

  it("fails the body with the call's abort reason once the headers are in", async () => {
    const abort = new CallAbort();
    const exchange = await send('/hold', abort);
    const events: string[] = [];
    await new Promise<void>((resolve) => {
      exchange.body.on('data', (chunk: Buffer) => {
        events.push(chunk.toString());
        abort.abort(new Error('The client closed the connection.'));
      });
      exchange.body.on('error', (error: Error) => {
        events.push(`error: ${error.message}`);
        resolve();
      });
    });
    expect(events).toEqual(['data: {"n":0}\n\n', 'error: The client closed the connection.']);
  });

  it("rejects with the call's abort reason before the headers, and at once when already aborted", async () => {
    const abort = new CallAbort();
    const pending = send('/never', abort);
    setTimeout(() => abort.abort(new Error('deadline')), 20);
    await expect(pending).rejects.toThrow('deadline');
    await expect(send('/burst', abort)).rejects.toThrow('deadline');
  });
});
