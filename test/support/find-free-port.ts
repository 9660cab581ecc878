import { createServer } from 'node:net';

/**
 * A 127.0.0.1 port free a moment ago (bound to port 0, then released). Another process may take it before the
 * caller's server binds it: callers that start servers retry or fail with the server's own error.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
