import type { Dispatcher } from 'undici';
import { util } from 'undici';
import type { CallAbort } from './create-call-abort.js';
import { UpstreamBody } from './upstream-body.js';

/** The response as soon as its headers are parsed; its body is read as it arrives. */
export interface UpstreamExchange {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: UpstreamBody;
}

/**
 * One request through an undici dispatcher with a handler of our own, in place of undici's `request`: no
 * Readable and no AsyncResource per call, and the parser stops at the response headers until the body is read
 * (`request` parses a whole burst of events into its Readable before the caller sees the headers). The call's
 * abort ends the exchange: before the headers it rejects, after them the body fails with the abort's reason.
 */
export function dispatchExchange(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  abort: CallAbort,
): Promise<UpstreamExchange> {
  return new Promise((resolve, reject) => {
    if (abort.aborted) {
      reject(abortReason(abort));
      return;
    }
    let abortExchange: ((reason: Error) => void) | undefined;
    let body: UpstreamBody | undefined;
    let isSettled = false;
    const onAbort = (): void => {
      const reason = abortReason(abort);
      body?.fail(reason);
      abortExchange?.(reason);
    };
    const finish = (): void => {
      isSettled = true;
      abort.off('abort', onAbort);
    };
    abort.once('abort', onAbort);
    const handler: Dispatcher.DispatchHandler = {
      onConnect(abortRequest: (reason: Error) => void): void {
        if (abort.aborted) return abortRequest(abortReason(abort));
        abortExchange = abortRequest;
      },
      onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
        if (statusCode < 200) return true;
        const headers = util.parseHeaders(rawHeaders) as Record<string, string | string[] | undefined>;
        body = new UpstreamBody({ resume, abort: (reason) => abortExchange?.(reason) });
        resolve({ statusCode, headers, body });
        // Nothing more is parsed until the body is read: the first chunk then goes straight to its reader.
        return false;
      },
      onData(chunk: Buffer): boolean {
        return body === undefined ? false : body.push(chunk);
      },
      onComplete(): void {
        finish();
        body?.end();
      },
      onError(error: Error): void {
        if (isSettled) return;
        finish();
        if (body === undefined) reject(error);
        else body.fail(error);
      },
    };
    try {
      dispatcher.dispatch(options, handler);
    } catch (error) {
      finish();
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/** Why the call was aborted: its own reason (the client left, the deadline passed), else a generic one. */
function abortReason(abort: CallAbort): Error {
  return abort.reason ?? new Error('The call was aborted.');
}
