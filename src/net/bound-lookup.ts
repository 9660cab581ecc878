import { errors } from 'undici';

/**
 * Waits for a DNS answer at most `timeoutMs`, and not past an abort. A lookup cannot
 * be cancelled (getaddrinfo runs to its end on the thread pool), but the request need
 * not wait for it: a black-holed resolver becomes undici's ConnectTimeoutError.
 */
export function boundLookup<T>(
  promise: Promise<T>,
  options: { readonly timeoutMs: number; readonly hostName: string; readonly signal?: AbortSignal | undefined },
): Promise<T> {
  const { signal } = options;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const bound = new Promise<never>((_resolve, reject) => {
    const message = `Resolving ${options.hostName} took longer than ${options.timeoutMs} ms.`;
    timer = setTimeout(() => reject(new errors.ConnectTimeoutError(message)), options.timeoutMs);
    if (signal === undefined) return;
    onAbort = () => reject(toError(signal.reason));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, bound]).finally(() => {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  });
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error('The request was aborted.');
}
