import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { StoredHeaders, StoredResponse } from './idempotency-store.js';

/**
 * What `response_headers` holds in a row whose answer is sealed: not JSON, so it can never be taken for the headers
 * of a row written before sealing (those hold a JSON object), and an older binary reading it fails instead of
 * replaying ciphertext. The status, headers and body are all inside `response_body`.
 */
export const sealedResponseMarker = 'sealed:v1';

/** The HKDF `info`: a key for this purpose only, unrelated to the key digests made with the same pepper. */
const keyPurpose = 'meridian/idempotency-response/v1';
/** First byte of a sealed body: the layout below, version 1. */
const layoutVersion = 1;
/** AES-GCM's standard 96-bit nonce, fresh from the CSPRNG for every seal. */
const nonceBytes = 12;
/** The full 128-bit GCM tag. */
const tagBytes = 16;
const headLengthBytes = 4;

/** The row a sealed answer belongs to; authenticated with it, so a blob copied to another row does not open. */
export interface SealedRecordIdentity {
  readonly keyId: string;
  readonly idempotencyKey: string;
  readonly fingerprint: string;
  readonly createdAtMs: number;
}

/**
 * The AES-256 key that seals stored answers: HKDF-SHA-256 of the key pepper (src/keys/load-pepper.ts), which every
 * serving node has (from `MERIDIAN_KEY_PEPPER` or `<data_dir>/key-pepper`), which nodes sharing a database must share
 * already, and which is never in the database. Deterministic: every node and every restart derives the same key.
 */
export function deriveResponseSealKey(pepper: Buffer): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', pepper, Buffer.alloc(0), keyPurpose, 32)));
}

/**
 * Encrypts a stored answer (status, headers, body) with AES-256-GCM under a fresh random nonce, bound to its row:
 * `[version 1][nonce 12][ciphertext][tag 16]`, where the plaintext is `[length 4][{status, headers} JSON][body]`.
 * Its length reveals the answer's length, as any cipher without padding does.
 */
export function sealResponse(key: KeyObject, identity: SealedRecordIdentity, response: StoredResponse): Buffer {
  const head = Buffer.from(JSON.stringify({ status: response.status, headers: response.headers }), 'utf8');
  const headLength = Buffer.alloc(headLengthBytes);
  headLength.writeUInt32BE(head.length);
  const nonce = randomBytes(nonceBytes);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: tagBytes });
  cipher.setAAD(buildAad(identity));
  const parts = [cipher.update(headLength), cipher.update(head), cipher.update(response.body), cipher.final()];
  return Buffer.concat([Buffer.of(layoutVersion), nonce, ...parts, cipher.getAuthTag()]);
}

/**
 * Decrypts what {@link sealResponse} wrote for this row; undefined when it does not open (altered, truncated, copied
 * from another row, sealed under another pepper) or is not of a known layout. Nothing unauthenticated is returned.
 */
export function openResponse(
  key: KeyObject,
  identity: SealedRecordIdentity,
  sealed: Buffer,
): StoredResponse | undefined {
  if (sealed.length < 1 + nonceBytes + tagBytes || sealed[0] !== layoutVersion) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 1 + nonceBytes), {
    authTagLength: tagBytes,
  });
  decipher.setAAD(buildAad(identity));
  decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
  // GCM is a stream cipher: update() returns every byte, final() only checks the tag.
  const plaintext = decipher.update(sealed.subarray(1 + nonceBytes, sealed.length - tagBytes));
  try {
    decipher.final();
  } catch {
    return undefined;
  }
  return decodePlaintext(plaintext);
}

/** The row's identity as associated data; a JSON array, so no two identities encode alike. */
function buildAad(identity: SealedRecordIdentity): Buffer {
  const { keyId, idempotencyKey, fingerprint, createdAtMs } = identity;
  return Buffer.from(JSON.stringify([keyPurpose, keyId, idempotencyKey, fingerprint, createdAtMs]), 'utf8');
}

function decodePlaintext(plaintext: Buffer): StoredResponse | undefined {
  if (plaintext.length < headLengthBytes) return undefined;
  const headEnd = headLengthBytes + plaintext.readUInt32BE(0);
  if (headEnd > plaintext.length) return undefined;
  let head: unknown;
  try {
    head = JSON.parse(plaintext.toString('utf8', headLengthBytes, headEnd));
  } catch {
    return undefined;
  }
  if (typeof head !== 'object' || head === null) return undefined;
  const { status, headers } = head as { status?: unknown; headers?: unknown };
  if (!Number.isInteger(status)) return undefined;
  return { status: status as number, headers: readStoredHeaders(headers), body: plaintext.subarray(headEnd) };
}

/** Headers as stored, read defensively: only string and string-array values survive. */
export function readStoredHeaders(value: unknown): StoredHeaders {
  const headers: Record<string, string | string[]> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return headers;
  for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
    if (typeof item === 'string') headers[name] = item;
    else if (Array.isArray(item) && item.every((part) => typeof part === 'string')) headers[name] = item;
  }
  return headers;
}
