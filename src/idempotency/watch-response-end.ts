import type { ServerResponse } from 'node:http';

/**
 * Watches a response from before its handler runs, and tells afterwards whether
 * the client received all of it: true once `finish` fired (every byte handed to
 * the socket); false when `close` came first (the client went away mid-stream) or
 * the handler never ended it. If the handler has ended it but `finish` is still
 * to come, the returned function waits for whichever event is next.
 *
 * Events, not `writableFinished`: Node reports `writableFinished` true after
 * `end()` on a response whose client had already gone, which would store a
 * truncated stream as if it had been delivered.
 */
export function watchResponseEnd(response: ServerResponse): () => Promise<boolean> {
  let outcome: boolean | undefined;
  const settled = new Promise<boolean>((resolve) => {
    const settle = (isDelivered: boolean): void => {
      response.off('finish', onFinish);
      response.off('close', onClose);
      outcome ??= isDelivered;
      resolve(outcome);
    };
    const onFinish = (): void => settle(true);
    const onClose = (): void => settle(false);
    response.on('finish', onFinish);
    response.on('close', onClose);
  });
  return () => {
    if (outcome !== undefined) return Promise.resolve(outcome);
    if (response.destroyed || !response.writableEnded) return Promise.resolve(false);
    return settled;
  };
}
