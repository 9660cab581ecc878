import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the fake upstream received it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
  /** The body as received, for tests of how it was written. */
  readonly text: string;
  /** When the request arrived (Date.now()). */
  readonly atMs: number;
}

/** What the fake answers; `step` scenarios let a test hold the stream at a point. */
export type Scenario = (
  | { readonly kind: 'json'; readonly body: unknown; readonly status?: number }
  | {
      readonly kind: 'sse';
      readonly frames: readonly string[];
      readonly holdAfter?: number;
      /** Pause between frames (a slow or stalling upstream). */
      readonly frameDelayMs?: number;
    }
  /** Decides the answer from the request itself (e.g. a simulated prompt cache). */
  | { readonly kind: 'dynamic'; readonly answer: (request: ReceivedRequest) => Scenario }
  /** The socket is destroyed before any response byte. */
  | { readonly kind: 'reset-before-headers' }
  /** Never answers (until the client gives up). */
  | { readonly kind: 'hang' }
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly body: string;
      readonly headers?: Record<string, string>;
    }
  | {
      readonly kind: 'raw';
      readonly status: number;
      readonly contentType: string;
      readonly body: string | Buffer;
      /** More response headers (e.g. a `content-encoding` the body is written in). */
      readonly headers?: Record<string, string>;
    }
  | { readonly kind: 'reset-mid-stream'; readonly frames: readonly string[] }
  /**
   * A body that never ends: `chunks` are written as the client reads them, then the response stays open until the
   * client closes it (an endless error body, a gzip bomb). The chunks are finite: the test's loop is bounded.
   */
  | {
      readonly kind: 'unending';
      readonly status: number;
      readonly headers: Record<string, string>;
      readonly chunks: () => Iterable<Buffer>;
    }
) & {
  /** Wait this long before answering (a slow first byte). */
  readonly delayMs?: number;
};

export interface FakeUpstream {
  readonly baseUrl: string;
  readonly received: ReceivedRequest[];
  /** When the gateway closed a response that was still open (Date.now()), in order. */
  readonly clientClosedAtMs: number[];
  /** Queues the answer to the next request (FIFO). */
  enqueue(scenario: Scenario): void;
  /** Forgets queued answers and received requests (between tests). */
  reset(): void;
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
  const clientClosedAtMs: number[] = [];
  const sockets = new Set<Socket>();
  // Each signal is re-armed after it fires, so every test can wait for its own.
  const holdReached = createSignal(true);
  const clientClosed = createSignal(false);
  const released = createSignal(true);

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString('utf8');
    received.push({
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
      text,
      atMs: Date.now(),
    });
    const queued = queue.shift();
    const scenario = queued?.kind === 'dynamic' ? queued.answer(received.at(-1)!) : queued;
    if (scenario === undefined) {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end('{"error":{"message":"fake upstream: no scenario queued"}}');
      return;
    }
    response.on('close', () => {
      if (!response.writableFinished) {
        clientClosedAtMs.push(Date.now());
        clientClosed.fire();
      }
    });
    if (scenario.delayMs !== undefined) await sleepUnlessClosed(scenario.delayMs, response);
    if (response.destroyed) return;
    switch (scenario.kind) {
      case 'reset-before-headers':
        response.socket?.destroy();
        return;
      case 'hang':
        return;
      case 'dynamic':
        throw new Error('fake upstream: a dynamic scenario must answer with a concrete one');
      case 'json':
        response.writeHead(scenario.status ?? 200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(scenario.body));
        return;
      case 'error':
        response.writeHead(scenario.status, { 'content-type': 'application/json', ...scenario.headers });
        response.end(scenario.body);
        return;
      case 'raw':
        response.writeHead(scenario.status, { 'content-type': scenario.contentType, ...scenario.headers });
        response.end(scenario.body);
        return;
      case 'unending':
        response.writeHead(scenario.status, scenario.headers);
        for (const chunk of scenario.chunks()) {
          if (response.destroyed) return;
          if (!response.write(chunk)) await drainUnlessClosed(response);
        }
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
          if (scenario.frameDelayMs !== undefined) await sleepUnlessClosed(scenario.frameDelayMs, response);
          if (scenario.holdAfter === index + 1) {
            const resume = Promise.race([released.next(), clientClosed.next()]);
            holdReached.fire();
            await resume;
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
    clientClosedAtMs,
    enqueue: (scenario) => queue.push(scenario),
    reset: () => {
      queue.length = 0;
      received.length = 0;
    },
    waitForHold: () => holdReached.next(),
    release: () => released.fire(),
    waitForClientClose: () => clientClosed.next(),
    close: () =>
      new Promise<void>((resolve) => {
        released.fire();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Waits, returning early when the client closes the response (so a hung scenario ends with its client). */
/** Waits `ms`, or less if the client goes away; leaves no listener behind (a paced stream sleeps once per frame). */
function sleepUnlessClosed(ms: number, response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      response.off('close', onClose);
      resolve();
    }, ms);
    response.once('close', onClose);
  });
}

/** Resolves when the response can take more, or when the client went away. */
function drainUnlessClosed(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.once('drain', done);
    response.once('close', done);
  });
}

/**
 * A repeatable event: `next()` resolves at the next `fire()`; with `remembers`, a fire nobody
 * waited for is kept for the next `next()` (a hold reached before the test asked).
 */
function createSignal(remembers: boolean): { fire(): void; next(): Promise<void> } {
  let waiters: (() => void)[] = [];
  let pending = 0;
  return {
    fire: () => {
      if (waiters.length === 0 && remembers) pending += 1;
      for (const waiter of waiters) waiter();
      waiters = [];
    },
    next: () => {
      if (pending > 0) {
        pending -= 1;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}
