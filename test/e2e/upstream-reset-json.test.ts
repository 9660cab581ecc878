import { afterAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript } from '../fake-upstream/protocol-scripts.js';
import { readCredits } from '../support/cluster-calls.js';
import { callMeteredModel, createCreditsConfig } from '../support/credits-config.js';
import { createMemberKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';

/**
 * A provider that closes the connection in the middle of a JSON (non-streamed) answer. The body read's socket error
 * escaped unmapped: with no endpoint left, the client got 500 internal_error ("the gateway hit an internal error")
 * for the provider's failure. It is an upstream error: the call fails over (here to the second endpoint, served and
 * charged once), or, with nowhere else to go, answers 502 upstream_error; nothing is charged for the cut answer.
 */

const fakePromise = createFakeUpstream();
afterAll(async () => (await fakePromise).close());
const usage = { input: 3, cached: 0, output: 6, reasoning: 0 };
const cut = { kind: 'reset-mid-stream', frames: ['{"id":"chatcmpl-cut","choices":[{"index":0,'] } as const;

describe('a provider that cuts a JSON answer mid-body', () => {
  it('fails over to the next endpoint, and answers 502 upstream_error when there is none', async () => {
    const fake = await fakePromise;
    const gateway = await startGatewayProcess({
      configYaml: createCreditsConfig(fake.baseUrl, { default: '1.00' }, { hasSecondEndpoint: true }),
    });
    try {
      const { key } = await createMemberKey(gateway.url, 'cut');
      fake.reset();
      fake.enqueue(cut);
      fake.enqueue(completeScript('openai', { text: ['ok'], usage }));
      const served = await callMeteredModel(gateway.url, key);
      expect([served.status, ((await served.json()) as { usage: { cost: number } }).usage.cost]).toEqual([
        200, 0.000015,
      ]);
      expect(fake.received).toHaveLength(2);
      fake.enqueue(cut);
      fake.enqueue(cut);
      const refused = await callMeteredModel(gateway.url, key);
      expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([
        502,
        'upstream_error',
      ]);
      expect(await readCredits(gateway.url, key)).toMatchObject({ total_usage_nanos: '15000', held_nanos: '0' });
    } finally {
      await gateway.stop();
      gateway.cleanup();
    }
  });
});
