import { describe, expect, it } from 'vitest';
import { createSessionStore } from './session-store.js';

const key = { id: 'key_1', digest: 'digest-1' };
const minuteMs = 60_000;

function createStore(options: { countMax?: number; perKeyCountMax?: number } = {}) {
  return createSessionStore({
    idleTimeoutMs: 30 * minuteMs,
    lifetimeMs: 120 * minuteMs,
    countMax: options.countMax ?? 4,
    perKeyCountMax: options.perKeyCountMax ?? 4,
  });
}

describe('createSessionStore', () => {
  it('opens a session with a 256-bit id and CSRF token and finds it by that id', () => {
    const store = createStore();
    const opened = store.open(key, 1_000);
    expect(opened.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(opened.session).toEqual({
      keyId: 'key_1',
      keyDigest: 'digest-1',
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAtMs: 1_000 + 30 * minuteMs,
      endsAtMs: 1_000 + 120 * minuteMs,
    });
    expect(opened.session.csrfToken).not.toBe(opened.id);
    expect(store.find(opened.id, 2_000)).toEqual({ ...opened.session, expiresAtMs: 2_000 + 30 * minuteMs });
    expect(store.size).toBe(1);
  });

  it('gives every session its own id and token', () => {
    const store = createStore();
    const first = store.open(key, 0);
    const second = store.open(key, 0);
    expect(second.id).not.toBe(first.id);
    expect(second.session.csrfToken).not.toBe(first.session.csrfToken);
  });

  it.each([
    ['unknown', 'A'.repeat(43)],
    ['too short', 'A'.repeat(42)],
    ['too long', 'A'.repeat(44)],
    ['not base64url', `${'A'.repeat(42)}=`],
    ['empty', ''],
  ])('finds nothing for an id that is %s', (_name, id) => {
    const store = createStore();
    store.open(key, 0);
    expect(store.find(id, 0)).toBeUndefined();
    expect(store.close(id)).toBe(false);
    expect(store.size).toBe(1);
  });

  it('ends a session unused for the idle timeout, and each use restarts that timeout', () => {
    const store = createStore();
    const { id } = store.open(key, 0);
    expect(store.find(id, 30 * minuteMs - 1)?.expiresAtMs).toBe(60 * minuteMs - 1);
    expect(store.find(id, 60 * minuteMs - 2)).toBeDefined();
    expect(store.find(id, 90 * minuteMs - 2)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('ends a busy session at its absolute lifetime, and caps expires_at by it', () => {
    const store = createStore();
    const { id } = store.open(key, 0);
    for (let atMs = 20 * minuteMs; atMs < 120 * minuteMs; atMs += 20 * minuteMs) {
      expect(store.find(id, atMs)?.expiresAtMs).toBe(Math.min(atMs + 30 * minuteMs, 120 * minuteMs));
    }
    expect(store.find(id, 120 * minuteMs - 1)?.expiresAtMs).toBe(120 * minuteMs);
    expect(store.find(id, 120 * minuteMs)).toBeUndefined();
  });

  it('closes a session at once', () => {
    const store = createStore();
    const { id } = store.open(key, 0);
    expect(store.close(id)).toBe(true);
    expect(store.find(id, 0)).toBeUndefined();
    expect(store.close(id)).toBe(false);
  });

  it('ends the oldest session when a new one would pass the count bound', () => {
    const store = createStore({ countMax: 3 });
    const ids = [0, 1, 2, 3].map((atMs) => store.open(key, atMs).id);
    expect(store.size).toBe(3);
    expect(store.find(ids[0]!, 10)).toBeUndefined();
    expect(ids.slice(1).map((id) => store.find(id, 10) !== undefined)).toEqual([true, true, true]);
  });

  it('at the count bound drops idle-ended sessions before live ones', () => {
    const store = createStore({ countMax: 3 });
    const oldest = store.open(key, 0).id;
    const idle = store.open(key, 1).id;
    const third = store.open(key, 2).id;
    // The oldest stays in use; the other two go idle.
    expect(store.find(oldest, 25 * minuteMs)).toBeDefined();
    expect(store.find(third, 25 * minuteMs)).toBeDefined();
    const fourth = store.open(key, 31 * minuteMs).id;
    expect(store.size).toBe(3);
    expect(store.find(idle, 31 * minuteMs)).toBeUndefined();
    expect([oldest, third, fourth].map((id) => store.find(id, 31 * minuteMs) !== undefined)).toEqual([
      true,
      true,
      true,
    ]);
  });

  it("a key at its own bound ends its own oldest session, never another key's", () => {
    const store = createStore({ countMax: 4, perKeyCountMax: 2 });
    const other = { id: 'key_2', digest: 'digest-2' };
    const others = [store.open(other, 0).id, store.open(other, 1).id];
    // Key 1 signs in ten times: it never holds more than two sessions, and key 2 keeps both of its own.
    const mine = Array.from({ length: 10 }, (_, index) => store.open(key, 2 + index).id);
    expect(store.size).toBe(4);
    expect(others.map((id) => store.find(id, 20)?.keyId)).toEqual(['key_2', 'key_2']);
    expect(mine.map((id) => store.find(id, 20) !== undefined)).toEqual([...Array<boolean>(8).fill(false), true, true]);
  });

  it('a key at its own bound drops its idle-ended sessions before its live ones', () => {
    const store = createStore({ countMax: 10, perKeyCountMax: 2 });
    const busy = store.open(key, 0).id;
    const idle = store.open(key, 1).id;
    expect(store.find(busy, 25 * minuteMs)).toBeDefined();
    const next = store.open(key, 31 * minuteMs).id;
    expect(store.find(idle, 31 * minuteMs)).toBeUndefined();
    expect([busy, next].map((id) => store.find(id, 31 * minuteMs) !== undefined)).toEqual([true, true]);
    expect(store.size).toBe(2);
  });

  it("a closed or ended session no longer counts against its key's bound", () => {
    const store = createStore({ countMax: 10, perKeyCountMax: 2 });
    const first = store.open(key, 0).id;
    const second = store.open(key, 1).id;
    expect(store.close(first)).toBe(true);
    const third = store.open(key, 2).id;
    expect([second, third].map((id) => store.find(id, 3) !== undefined)).toEqual([true, true]);
    expect(store.size).toBe(2);
  });

  it('sweeps sessions past their lifetime when the next one opens', () => {
    const store = createStore();
    store.open(key, 0);
    store.open(key, 1);
    store.open(key, 120 * minuteMs);
    expect(store.size).toBe(2);
    store.open(key, 120 * minuteMs + 1);
    expect(store.size).toBe(2);
  });

  it.each([
    [{ idleTimeoutMs: 0, lifetimeMs: 1, countMax: 1, perKeyCountMax: 1 }],
    [{ idleTimeoutMs: 1, lifetimeMs: Number.NaN, countMax: 1, perKeyCountMax: 1 }],
    [{ idleTimeoutMs: 1, lifetimeMs: 1, countMax: 0, perKeyCountMax: 1 }],
    [{ idleTimeoutMs: 1, lifetimeMs: 1, countMax: 1.5, perKeyCountMax: 1 }],
    [{ idleTimeoutMs: 1, lifetimeMs: 1, countMax: 1, perKeyCountMax: 0 }],
  ])('refuses unusable options %j', (options) => {
    expect(() => createSessionStore(options)).toThrow(RangeError);
  });
});
