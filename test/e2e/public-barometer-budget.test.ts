import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { createCreditsConfig } from '../support/credits-config.js';
import { testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * The public barometer answers without a key, and SQLite runs its queries on the event loop that serves every
 * stream: keyless queries share `limits.publicBarometerQueryMsPerSecond` of event-loop time (a 1 s bucket refilled
 * at 100 ms a second). A client asking for costly series in a loop gets 429 rate_limited with Retry-After once the
 * bucket is spent; a request with a key is still answered.
 */

/** The costliest keyless query the API takes: a year of days in a zone whose midnights are not UTC's. */
const costlySeries = '/api/v1/rankings/series?interval=day&count=366&tz=Asia/Kathmandu&stack_by=origin';
/** Bound on the loop (each request spends a few milliseconds of the 1 000 ms bucket). */
const requestsMax = 5_000;
const parallel = 8;

let fake: FakeUpstream;
let gateway: GatewayProcess;

beforeAll(async () => {
  fake = await createFakeUpstream();
  const config = `${createCreditsConfig(fake.baseUrl, { alpha: '1.00' })}barometer: { public: true }\n`;
  gateway = await startGatewayProcess({ configYaml: config });
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
});

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: unknown;
}

async function ask(headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${gateway.url}${costlySeries}`, { headers });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
}

/** Keyless requests, `parallel` at a time, until one is refused (or the bound). */
async function askUntilRefused(): Promise<{ readonly refused: Answer | undefined; readonly answered: number }> {
  let answered = 0;
  for (let sent = 0; sent < requestsMax; sent += parallel) {
    const answers = await Promise.all(Array.from({ length: parallel }, () => ask()));
    const refused = answers.find((answer) => answer.status !== 200);
    if (refused !== undefined) return { refused, answered };
    answered += answers.length;
  }
  return { refused: undefined, answered };
}

describe('the public barometer’s share of the event loop', () => {
  it('refuses keyless queries past the budget with 429 rate_limited and Retry-After; a key is still answered', async () => {
    const { refused, answered } = await askUntilRefused();
    expect(answered).toBeGreaterThan(0);
    console.info(`public barometer: ${answered} costly keyless series answered before the first 429`);
    expect(refused).toEqual({
      status: 429,
      retryAfter: expect.stringMatching(/^([1-9]|1[0-9])$/),
      body: {
        error: {
          message: expect.stringMatching(
            /^The public barometer is busy: keyless queries may take 100 ms of every second on this node\. Retry after \d+ s, or ask with an API key\.$/,
          ),
          type: 'rate_limit_error',
          param: null,
          code: 'rate_limited',
          request_id: expect.stringMatching(/^req_[0-9a-f]{32}$/),
        },
      },
    });
    const withKey = await ask({ authorization: `Bearer ${testAdminKey}` });
    expect(withKey.status).toBe(200);
  });
});
