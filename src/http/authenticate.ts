import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/index.js';
import type { KeyService } from '../keys/index.js';
import type { KeyRecord } from '../storage/index.js';

/**
 * Finds the calling key from `Authorization: Bearer …` (every route) or
 * `x-api-key` (Anthropic clients). Missing or unknown keys get 401 with the
 * same message, so the answer does not tell which keys exist.
 */
export function authenticate(request: IncomingMessage, keys: KeyService): KeyRecord {
  const secret = readSecret(request);
  if (secret === undefined) {
    throw new GatewayError({
      code: 'authentication_failed',
      message: 'Missing API key. Send it as "Authorization: Bearer <key>".',
    });
  }
  const key = keys.authenticate(secret);
  if (key === undefined) {
    throw new GatewayError({ code: 'authentication_failed', message: 'Invalid API key.' });
  }
  return key;
}

/** Requires the admin role (management routes). */
export function requireAdmin(key: KeyRecord): void {
  if (key.role !== 'admin') {
    throw new GatewayError({ code: 'permission_denied', message: 'This route needs an admin key.' });
  }
}

function readSecret(request: IncomingMessage): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : undefined;
}
