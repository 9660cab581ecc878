import { afterEach, describe, expect, it } from 'vitest';
import type { KeyRecord, Storage } from '../../storage/index.js';
import { createKeyRecord } from '../../storage/key-record-test-support.js';
import { createTestGenerationRecord as record } from '../../storage/test-generation-record.js';
import { sendGeneration } from './generation-route.js';
import { createTestResponse, openPromiseStorage } from './route-test-support.js';

const opened: Storage[] = [];
afterEach(() => {
  for (const storage of opened.splice(0)) storage.close();
});

/** Asks for generation `id` of a store answering through promises that holds `gen-acme` of org `acme`. */
async function ask(id: string, key: KeyRecord) {
  const { sqlite, storage } = openPromiseStorage();
  opened.push(sqlite);
  sqlite.generations.insertGenerations([record('gen-acme', { orgId: 'acme' })]);
  const { response, read } = createTestResponse();
  const url = new URL(`http://gateway.invalid/v1/generation?id=${id}`);
  await sendGeneration(response, { url, key, store: storage.generations, requestId: 'req-1' });
  return read();
}

describe('sendGeneration over a store answering through promises', () => {
  it("answers the caller org's generation, or any org's to an admin key", async () => {
    for (const key of [
      createKeyRecord('key_member', { orgId: 'acme' }),
      createKeyRecord('key_admin', { role: 'admin' }),
    ]) {
      const answer = await ask('gen-acme', key);
      expect([answer.status, answer.body]).toMatchObject([
        200,
        { data: { id: 'gen-acme', org_id: 'acme', cost_nanos: '9007199254740993' } },
      ]);
    }
  });

  it("answers 404 for an unknown id, and for another org's id to a member key", async () => {
    const notFound = (id: string) => ({ code: 'not_found', param: 'id', message: `Generation '${id}' not found.` });
    await expect(ask('gen-none', createKeyRecord('key_admin', { role: 'admin' }))).rejects.toMatchObject(
      notFound('gen-none'),
    );
    await expect(ask('gen-acme', createKeyRecord('key_member', { orgId: 'other' }))).rejects.toMatchObject(
      notFound('gen-acme'),
    );
  });
});
