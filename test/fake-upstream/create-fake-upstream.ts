import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the fake upstream received it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
}

/** What the fake answers; `step` scenarios let a test hold the stream at a point. */
export type Scenario =
  | { readonly kind: 'json'; readonly body: unknown; readonly status?: number }
  | { readonly kind: 'sse'; readonly frames: readonly string[]; readonly holdAfter?: number }
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly body: string;
      readonly headers?: Record<string, string>;
    }
  | { readonly kind: 'raw'; readonly status: number; readonly contentType: string; readonly body: string }
  | { readonly kind: 'reset-mid-stream'; readonly frames: readonly string[] };

export interface FakeUpstream {
  readonly baseUrl: string;
  readonly received: ReceivedRequest[];
  /** Queues the answer to the next request (FIFO). */
  enqueue(scenario: Scenario): void;
  /** Resolves when a held stream (holdAfter) has sent its first frames. */
  waitForHold(): Promise<void>;
  /** Releases a held stream. */
  release(): void;
  /** Resolves when the client side closed a stream that was still open. */
  waitForClientClose(): Promise<void>;
  close(): Promise<void>;
}

/** Frames for an SSE body: each chunk object becomes `data: <json>\n\n`, then `data: [DONE]`. */
export function sseFrames(chunks: readonly unknown[], withDone = true): string[] {
  const frames = chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`);
  return withDone ? [...frames, 'data: [DONE]\n\n'] : frames;
}

/** A fake OpenAI-compatible upstream on 127.0.0.1 that replays scripted answers and records requests. */
export async function createFakeUpstream(): Promise<FakeUpstream> {
  const queue: Scenario[] = [];
  const received: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  let onHold: (() => void) | undefined;
  let release: (() => void) | undefined;
  let onClientClose: (() => void) | undefined;
  const holdReached = new Promise<void>((resolve) => (onHold = resolve));
  const clientClosed = new Promise<void>((resolve) => (onClientClose = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString('utf8');
    received.push({
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    });
    const scenario = queue.shift();
    if (scenario === undefined) {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end('{"error":{"message":"fake upstream: no scenario queued"}}');
      return;
    }
    response.on('close', () => {
      if (!response.writableFinished) onClientClose?.();
    });
    switch (scenario.kind) {
      case 'json':
        response.writeHead(scenario.status ?? 200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(scenario.body));
        return;
      case 'error':
        response.writeHead(scenario.status, { 'content-type': 'application/json', ...scenario.headers });
        response.end(scenario.body);
        return;
      case 'raw':
        response.writeHead(scenario.status, { 'content-type': scenario.contentType });
        response.end(scenario.body);
        return;
      case 'reset-mid-stream':
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const frame of scenario.frames) response.write(frame);
        setTimeout(() => response.socket?.destroy(), 20);
        return;
      case 'sse': {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const [index, frame] of scenario.frames.entries()) {
          if (response.destroyed) return;
          response.write(frame);
          if (scenario.holdAfter === index + 1) {
            onHold?.();
            await Promise.race([released, clientClosed]);
          }
        }
        response.end();
        return;
      }
    }
  }

  const server = createServer((request, response) => {
    answer(request, response).catch(() => response.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    received,
    enqueue: (scenario) => queue.push(scenario),
    waitForHold: () => holdReached,
    release: () => release?.(),
    waitForClientClose: () => clientClosed,
    close: () =>
      new Promise<void>((resolve) => {
        release?.();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
