import { afterEach, describe, expect, it } from 'vitest';
import type { KeyRecord, Storage } from '../../storage/index.js';
import { createKeyRecord } from '../../storage/key-record-test-support.js';
import { createTestGenerationRecord as record } from '../../storage/test-generation-record.js';
import { sendGenerationContent } from './generation-content-route.js';
import { createTestResponse, openPromiseStorage } from './route-test-support.js';

const opened: Storage[] = [];
afterEach(() => {
  for (const storage of opened.splice(0)) storage.close();
});

const startedAtMs = 1_795_000_000_000;
const prompt = [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }];
const completion = [{ index: 0, content: [{ type: 'text', text: 'hi' }] }];

/** Asks for the content of generation `id` from a store answering through promises; `gen-acme` (org `acme`) has some. */
async function ask(id: string, key: KeyRecord) {
  const { sqlite, storage } = openPromiseStorage();
  opened.push(sqlite);
  sqlite.orgs.ensureOrg({ id: 'acme', name: 'Acme', createdAtMs: 0, markupBasisPoints: 0 });
  sqlite.orgs.setPromptLogging('acme', { isEnabled: true, retentionDays: 7 });
  const content = { promptJson: JSON.stringify(prompt), completionJson: JSON.stringify(completion) };
  sqlite.generations.insertGenerations([record('gen-acme', { orgId: 'acme', startedAtMs, content })]);
  const { response, read } = createTestResponse();
  await sendGenerationContent(response, {
    url: new URL(`http://gateway.invalid/v1/generation/content?id=${id}`),
    key,
    store: storage.generationContent,
    nowMs: startedAtMs + 86_400_000,
    requestId: 'req-1',
  });
  return read();
}

describe('sendGenerationContent over a store answering through promises', () => {
  it("answers the caller org's stored prompt and completion", async () => {
    expect(await ask('gen-acme', createKeyRecord('key_member', { orgId: 'acme' }))).toEqual({
      status: 200,
      body: {
        data: {
          id: 'gen-acme',
          org_id: 'acme',
          created_at: new Date(startedAtMs).toISOString(),
          prompt,
          prompt_truncated: false,
          completion,
          completion_truncated: false,
        },
      },
    });
  });

  it("answers 404 for an id with no content, and for another org's id to a member key", async () => {
    const notFound = (id: string) => ({
      code: 'not_found',
      param: 'id',
      message: `No stored prompt for generation '${id}'.`,
    });
    await expect(ask('gen-none', createKeyRecord('key_admin', { role: 'admin' }))).rejects.toMatchObject(
      notFound('gen-none'),
    );
    await expect(ask('gen-acme', createKeyRecord('key_member', { orgId: 'other' }))).rejects.toMatchObject(
      notFound('gen-acme'),
    );
  });
});
