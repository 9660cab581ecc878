import { EventEmitter } from 'node:events';

/** Bytes an upstream body buffers for a consumer that is not reading before the socket is paused (as a Readable's). */
export const upstreamBodyBufferBytesMax = 64 * 1024;

/** What the body needs from the HTTP exchange under it. */
export interface UpstreamBodySource {
  /** Lets the exchange's parser go on after the body asked it to stop (`push` returned false, or at the headers). */
  readonly resume: () => void;
  /** Ends the exchange: the request is aborted and its connection closed. */
  readonly abort: (reason: Error) => void;
}

/**
 * An upstream response body: the part of a Node Readable the gateway uses (`data`, `end` and `error` events,
 * `pause`, `resume`, `destroy`, async iteration), without a Readable's machinery per chunk. The exchange starts
 * paused at the response headers, so a provider's burst is not parsed ahead into a buffer before anyone reads:
 * the first chunk reaches the stream path as soon as it listens, and each later one as the parser reaches it
 * (`data` is emitted from the parser's own callback while the body flows and nothing is buffered).
 *
 * Events follow a Readable's order: `data`… then `end`, or `error` (at most once; a destroyed body emits nothing
 * more). A listener attached to `data` starts the flow; events are never emitted while listeners are being
 * attached (buffered ones go out on a microtask).
 */
export class UpstreamBody extends EventEmitter {
  readonly #source: UpstreamBodySource;
  #chunks: Buffer[] = [];
  #bufferedBytes = 0;
  #isFlowing = false;
  #isIterating = false;
  #isSourcePaused = true;
  #isEnded = false;
  #isEndEmitted = false;
  #error: Error | undefined;
  #isErrorEmitted = false;
  #isDestroyed = false;
  #isFlushQueued = false;
  /** Wakes an async iterator waiting for the next chunk, the end or an error. */
  #wake: (() => void) | undefined;

  constructor(source: UpstreamBodySource) {
    super();
    this.#source = source;
  }

  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    super.on(event, listener as (...args: unknown[]) => void);
    if (event === 'data') this.resume();
    else if (event === 'error' && this.#error !== undefined) this.#queueFlush();
    return this;
  }

  /** The exchange's next chunk: false asks the parser to stop until the body is read (backpressure). */
  push(chunk: Buffer): boolean {
    if (this.#isDestroyed || this.#error !== undefined) return false;
    if (this.#isFlowing && this.#chunks.length === 0 && !this.#isFlushQueued) {
      this.emit('data', chunk);
      return this.#keepGoing();
    }
    this.#chunks.push(chunk);
    this.#bufferedBytes += chunk.length;
    this.#wake?.();
    return this.#keepGoing();
  }

  /** The exchange finished: `end` follows the buffered chunks. */
  end(): void {
    if (this.#isDestroyed || this.#error !== undefined) return;
    this.#isEnded = true;
    this.#wake?.();
    if (this.#isFlowing) this.#queueFlush();
  }

  /**
   * The exchange failed (timeout, reset, abort): `error` is emitted at once, flowing or not, and chunks not yet
   * read are dropped, as a Readable destroyed with an error does.
   */
  fail(error: Error): void {
    if (this.#isDestroyed || this.#isEnded || this.#error !== undefined) return;
    this.#error = error;
    this.#wake?.();
    this.#queueFlush();
  }

  pause(): this {
    this.#isFlowing = false;
    return this;
  }

  resume(): this {
    if (this.#isDestroyed) return this;
    this.#isFlowing = true;
    this.#queueFlush();
    return this;
  }

  /** Stops reading for good: the exchange is aborted, buffered chunks dropped, and no event follows. */
  destroy(error?: Error): this {
    if (this.#isDestroyed) return this;
    this.#isDestroyed = true;
    this.#chunks = [];
    this.#bufferedBytes = 0;
    this.#wake?.();
    if (!this.#isEnded && this.#error === undefined) {
      this.#source.abort(error ?? new Error('The upstream body was destroyed.'));
    }
    return this;
  }

  get destroyed(): boolean {
    return this.#isDestroyed;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    this.#isIterating = true;
    try {
      for (;;) {
        if (this.#error !== undefined) throw this.#error;
        const chunk = this.#chunks.shift();
        if (chunk !== undefined) {
          this.#bufferedBytes -= chunk.length;
          yield chunk;
          continue;
        }
        if (this.#isEnded || this.#isDestroyed) return;
        // The parser may run on at once (its data already read): look again before waiting.
        this.#resumeSource();
        if (this.#chunks.length > 0 || this.#isEnded || this.#error !== undefined || this.#isDestroyed) continue;
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
      }
    } finally {
      this.#isIterating = false;
      // A reader that stops early (a size limit) ends the exchange, as a Readable's iterator destroys its stream.
      if (!this.#isEnded) this.destroy();
    }
  }

  #keepGoing(): boolean {
    const keepGoing = (this.#isFlowing || this.#isIterating) && this.#bufferedBytes < upstreamBodyBufferBytesMax;
    if (!keepGoing) this.#isSourcePaused = true;
    return keepGoing;
  }

  #queueFlush(): void {
    if (this.#isFlushQueued) return;
    this.#isFlushQueued = true;
    queueMicrotask(() => this.#flush());
  }

  /** Emits the error, or what is buffered while the body flows and then the end, then lets the parser go on. */
  #flush(): void {
    this.#isFlushQueued = false;
    if (this.#isDestroyed) return;
    if (this.#error !== undefined) {
      if (this.#isErrorEmitted || this.listenerCount('error') === 0) return;
      this.#isErrorEmitted = true;
      this.#chunks = [];
      this.#bufferedBytes = 0;
      this.emit('error', this.#error);
      return;
    }
    while (this.#isFlowing && !this.#isDestroyed && this.#error === undefined) {
      const chunk = this.#chunks.shift();
      if (chunk === undefined) break;
      this.#bufferedBytes -= chunk.length;
      this.emit('data', chunk);
    }
    if (!this.#isFlowing || this.#isDestroyed || this.#chunks.length > 0 || this.#error !== undefined) return;
    if (!this.#isEnded) return this.#resumeSource();
    if (this.#isEndEmitted) return;
    this.#isEndEmitted = true;
    this.emit('end');
  }

  #resumeSource(): void {
    if (!this.#isSourcePaused || this.#isDestroyed) return;
    this.#isSourcePaused = false;
    this.#source.resume();
  }
}
