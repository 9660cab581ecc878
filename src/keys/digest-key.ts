import { createHmac } from 'node:crypto';

/** HMAC-SHA-256(pepper, secret) in hex: what the database stores instead of the secret. */
export function digestKey(pepper: Buffer, secret: string): string {
  return createHmac('sha256', pepper).update(secret, 'utf8').digest('hex');
}
