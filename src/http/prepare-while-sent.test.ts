import { describe, expect, it } from 'vitest';
import { CallAbort } from '../upstream/index.js';
import type { UpstreamResponse } from '../upstream/index.js';
import type { RoutedCall } from './handle-model-call.js';
import { prepareWhileSent } from './run-attempts.js';

/** A routed call whose stream parts are made by `createStreamRenderer` and whose org logs per `isLogged`. */
function routedCall(options: { createStreamRenderer: () => unknown; isLogged: () => boolean | Promise<boolean> }) {
  return {
    abort: new CallAbort(),
    app: { storage: { orgs: { isPromptLoggingEnabled: options.isLogged } } },
    call: { orgId: 'acme', requestId: 'req-1', startedAtMs: 0 },
    inbound: { createStreamRenderer: options.createStreamRenderer },
    adapter: { createStreamReader: () => ({ readEvent: () => [], end: () => [], isComplete: false }) },
    request: { model: 'm', stream: true },
    model: { id: 'm' },
    endpoint: { provider: { id: 'p', protocol: 'openai-chat' } },
    generationId: 'gen-1',
  } as unknown as RoutedCall;
}

describe('prepareWhileSent', () => {
  it('makes the stream parts while the request is out, with the org logging switch as its store answers it', () => {
    const routed = routedCall({ createStreamRenderer: () => ({ renderEvent: () => '' }), isLogged: () => true });
    const kit = prepareWhileSent(routed, new Promise<UpstreamResponse>(() => undefined));
    expect(kit.isContentLogged).toBe(true);
    expect(kit.state.hasOutput).toBe(false);
    expect(routed.abort.aborted).toBe(false);
  });

  it('aborts the request in flight and throws when a part cannot be made; the request failing later is not unhandled', async () => {
    const routed = routedCall({
      createStreamRenderer: () => {
        throw new Error('renderer bug');
      },
      isLogged: () => false,
    });
    let rejectSent: (error: Error) => void = () => undefined;
    const sent = new Promise<UpstreamResponse>((_resolve, reject) => {
      rejectSent = reject;
    });
    expect(() => prepareWhileSent(routed, sent)).toThrow('renderer bug');
    expect(routed.abort.aborted).toBe(true);
    expect(routed.abort.reason).toMatchObject({ code: 'internal_error', cause: new Error('renderer bug') });
    rejectSent(new Error('aborted'));
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('keeps a failed logging lookup (cluster mode) for the stream to await, never unhandled', async () => {
    const routed = routedCall({
      createStreamRenderer: () => ({ renderEvent: () => '' }),
      isLogged: () => Promise.reject(new Error('postgres down')),
    });
    const kit = prepareWhileSent(routed, new Promise<UpstreamResponse>(() => undefined));
    await new Promise((resolve) => setImmediate(resolve));
    await expect(kit.isContentLogged).rejects.toThrow('postgres down');
  });
});
