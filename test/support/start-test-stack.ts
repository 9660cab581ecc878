import OpenAI from 'openai';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { createGatewayConfig, createMemberKey } from './gateway-config.js';
import { startGatewayProcess } from './start-gateway-process.js';
import type { GatewayProcess } from './start-gateway-process.js';

/** A fake upstream, a gateway routed to it, a member key and an official OpenAI client on that key. */
export interface TestStack {
  readonly fake: FakeUpstream;
  readonly gateway: GatewayProcess;
  readonly key: string;
  readonly client: OpenAI;
  stop(): Promise<void>;
}

export async function startTestStack(keyName: string): Promise<TestStack> {
  const fake = await createFakeUpstream();
  const gateway = await startGatewayProcess({ configYaml: createGatewayConfig(fake.baseUrl) });
  const key = (await createMemberKey(gateway.url, keyName)).key;
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
  return {
    fake,
    gateway,
    key,
    client,
    stop: async () => {
      await gateway.stop();
      gateway.cleanup();
      await fake.close();
    },
  };
}
