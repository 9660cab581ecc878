import { describe, expect, it } from 'vitest';
import { openSecret } from './open-secret.js';
import { rotateSealed, rotateSealedRecords } from './rotate-sealed.js';
import { sealSecret } from './seal-secret.js';
import { readSealedKeyId } from './sealed-secret-format.js';
import { createTestKeyring } from './test-support.js';

const oldKeyring = createTestKeyring(['k1', 1]);
const newKeyring = createTestKeyring(['k2', 2], ['k1', 1]);
const purpose = 'provider:anthropic-main';

describe('rotateSealed', () => {
  it('re-seals a secret under the current key', () => {
    const sealed = sealSecret('sk-ant-secret', { keyring: oldKeyring, purpose });
    const rotated = rotateSealed(sealed, { keyring: newKeyring, purpose });
    expect(readSealedKeyId(rotated)).toBe('k2');
    expect(openSecret(rotated, { keyring: createTestKeyring(['k2', 2]), purpose })).toBe('sk-ant-secret');
  });

  it('returns a secret already under the current key unchanged', () => {
    const sealed = sealSecret('sk-ant-secret', { keyring: newKeyring, purpose });
    expect(rotateSealed(sealed, { keyring: newKeyring, purpose })).toBe(sealed);
  });

  it('refuses to rotate a secret that does not open', () => {
    const sealed = sealSecret('sk-ant-secret', { keyring: newKeyring, purpose });
    expect(() => rotateSealed(sealed, { keyring: newKeyring, purpose: 'provider:other' })).toThrow(
      'Sealed secret did not authenticate under key "k2"',
    );
  });
});

describe('rotateSealedRecords', () => {
  it('reports every record in exactly one list and keeps going past failures', () => {
    const records = [
      { id: 'p1', purpose: 'provider:p1', sealed: sealSecret('one', { keyring: oldKeyring, purpose: 'provider:p1' }) },
      { id: 'p2', purpose: 'provider:p2', sealed: sealSecret('two', { keyring: newKeyring, purpose: 'provider:p2' }) },
      {
        id: 'p3',
        purpose: 'provider:p3',
        sealed: sealSecret('three', { keyring: createTestKeyring(['k0', 7]), purpose: 'provider:p3' }),
      },
      // Copied from p1's row: bound to p1, so it must not open as p4.
      { id: 'p4', purpose: 'provider:p4', sealed: sealSecret('one', { keyring: oldKeyring, purpose: 'provider:p1' }) },
      { id: 'p5', purpose: 'provider:p5', sealed: 'not sealed' },
      { id: 'p6', purpose: 'provider:p6', sealed: sealSecret('six', { keyring: oldKeyring, purpose: 'provider:p6' }) },
    ];
    const report = rotateSealedRecords(records, newKeyring);
    expect(report.rotated.map(({ id, sealed }) => [id, readSealedKeyId(sealed)])).toEqual([
      ['p1', 'k2'],
      ['p6', 'k2'],
    ]);
    expect(report.unchangedIds).toEqual(['p2']);
    expect(report.failed.map(({ id, error }) => [id, error.code, error.keyId])).toEqual([
      ['p3', 'secret_key_unknown', 'k0'],
      ['p4', 'secret_authentication_failed', 'k1'],
      ['p5', 'secret_malformed', undefined],
    ]);
    const k2Only = createTestKeyring(['k2', 2]);
    expect(
      report.rotated.map(({ id, sealed }) => openSecret(sealed, { keyring: k2Only, purpose: `provider:${id}` })),
    ).toEqual(['one', 'six']);
  });
});
