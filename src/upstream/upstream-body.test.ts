import { describe, expect, it } from 'vitest';
import { UpstreamBody, upstreamBodyBufferBytesMax } from './upstream-body.js';

/** A body over a fake exchange that records how the body drives it; `onResume` plays the parser going on. */
function createBody(onResume: (body: UpstreamBody) => void = () => undefined) {
  const calls: string[] = [];
  const body: UpstreamBody = new UpstreamBody({
    resume: () => {
      calls.push('resume');
      onResume(body);
    },
    abort: (reason) => calls.push(`abort: ${reason.message}`),
  });
  return { body, calls };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('UpstreamBody', () => {
  it('keeps the exchange paused until a reader comes, then lets it go on once', async () => {
    const { body, calls } = createBody();
    await turn();
    expect(calls).toEqual([]);
    body.on('data', () => undefined);
    expect(calls).toEqual([]);
    await turn();
    expect(calls).toEqual(['resume']);
  });

  it('hands a chunk to the data listener from push itself while flowing, then the end after the data', async () => {
    const { body } = createBody();
    const events: string[] = [];
    body.on('data', (chunk: Buffer) => events.push(`data ${chunk.toString()}`));
    body.on('end', () => events.push('end'));
    await turn();
    expect(body.push(Buffer.from('a'))).toBe(true);
    expect(events).toEqual(['data a']);
    body.push(Buffer.from('b'));
    body.end();
    expect(events).toEqual(['data a', 'data b']);
    await turn();
    expect(events).toEqual(['data a', 'data b', 'end']);
  });

  it('asks the exchange to stop while the reader is paused, and resumes it after the buffered chunks went out', async () => {
    const { body, calls } = createBody();
    const seen: string[] = [];
    body.on('data', (chunk: Buffer) => {
      seen.push(chunk.toString());
      body.pause();
    });
    await turn();
    expect(body.push(Buffer.from('1'))).toBe(false);
    expect(body.push(Buffer.from('2'))).toBe(false);
    expect(seen).toEqual(['1']);
    body.resume();
    await turn();
    expect(seen).toEqual(['1', '2']);
    body.resume();
    await turn();
    expect(calls).toEqual(['resume', 'resume']);
  });

  it('stops the exchange once a flowing reader has 64 KiB buffered', () => {
    const { body } = createBody();
    body.on('data', () => undefined);
    body.pause();
    body.resume();
    // Buffered, not emitted: a flush is queued and chunks wait for it in order.
    const half = Buffer.alloc(upstreamBodyBufferBytesMax / 2);
    expect(body.push(half)).toBe(true);
    expect(body.push(half)).toBe(false);
  });

  it('emits an error at once, flowing or not, dropping unread chunks; nothing follows it', async () => {
    const { body } = createBody();
    const events: string[] = [];
    body.on('data', (chunk: Buffer) => events.push(`data ${chunk.toString()}`));
    body.on('end', () => events.push('end'));
    body.on('error', (error: Error) => events.push(`error ${error.message}`));
    body.pause();
    body.push(Buffer.from('unread'));
    body.fail(new Error('reset'));
    body.end();
    await turn();
    body.resume();
    await turn();
    expect(events).toEqual(['error reset']);
  });

  it('keeps an error for an error listener that comes later', async () => {
    const { body } = createBody();
    body.fail(new Error('timeout'));
    await turn();
    const errors: string[] = [];
    body.on('error', (error: Error) => errors.push(error.message));
    await turn();
    expect(errors).toEqual(['timeout']);
  });

  it('aborts the exchange once when destroyed, drops what it buffered and emits nothing more', async () => {
    const { body, calls } = createBody();
    const events: string[] = [];
    body.on('data', () => events.push('data'));
    body.on('end', () => events.push('end'));
    body.on('error', () => events.push('error'));
    body.pause();
    body.push(Buffer.from('x'));
    body.destroy();
    body.destroy();
    expect(body.push(Buffer.from('y'))).toBe(false);
    body.fail(new Error('aborted'));
    body.end();
    body.resume();
    await turn();
    expect(events).toEqual([]);
    expect(calls).toEqual(['abort: The upstream body was destroyed.']);
    expect(body.destroyed).toBe(true);
  });

  it('is read to the end by async iteration, also when the exchange answers inside resume', async () => {
    // The parser had the whole body already: resuming it pushes every chunk and the end before resume returns.
    const { body } = createBody((self) => {
      self.push(Buffer.from('{"ok":'));
      self.push(Buffer.from('true}'));
      self.end();
    });
    const chunks: string[] = [];
    for await (const chunk of body) chunks.push(chunk.toString());
    expect(chunks).toEqual(['{"ok":', 'true}']);
  });

  it('throws the exchange failure to an async reader', async () => {
    const { body } = createBody((self) => {
      self.push(Buffer.from('partial'));
      self.fail(new Error('socket hang up'));
    });
    const read = async () => {
      for await (const chunk of body) expect(chunk).toBeInstanceOf(Buffer);
    };
    await expect(read()).rejects.toThrow('socket hang up');
  });

  it('aborts the exchange when an async reader stops early', async () => {
    const { body, calls } = createBody((self) => self.push(Buffer.from('too much')));
    for await (const chunk of body) {
      expect(chunk.toString()).toBe('too much');
      break;
    }
    expect(calls).toEqual(['resume', 'abort: The upstream body was destroyed.']);
  });
});
