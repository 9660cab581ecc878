import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { flushResponse } from './flush-response.js';

/** What a response's socket still holds right after `write`, then after `act` — read inside the handler. */
async function measureBuffered(act: (response: ServerResponse) => void): Promise<{ before: number; after: number }> {
  let measured: { before: number; after: number } | undefined;
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: first\n\n');
    const before = response.socket!.writableLength;
    act(response);
    measured = { before, after: response.socket!.writableLength };
    response.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(await response.text()).toBe('data: first\n\ndata: [DONE]\n\n');
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return measured!;
}

describe('flushResponse', () => {
  it('hands the written head and frame to the kernel at once, not on the next tick', async () => {
    // Without it the bytes wait in the corked socket (node:http uncorks on the next tick).
    const unflushed = await measureBuffered(() => undefined);
    expect(unflushed.before).toBeGreaterThan(0);
    expect(unflushed.after).toBe(unflushed.before);
    const flushed = await measureBuffered(flushResponse);
    expect(flushed.before).toBeGreaterThan(0);
    expect(flushed.after).toBe(0);
  });
});
