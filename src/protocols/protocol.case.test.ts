import { readFileSync } from 'node:fs';
import { anthropicMessagesOutbound } from './anthropic-messages/index.js';
import * as anthropicFixtures from './anthropic-messages/outbound/test-support.js';
import { geminiOutbound } from './gemini/index.js';
import * as geminiFixtures from './gemini/test-support.js';
import { openaiChatOutbound } from './openai-chat/index.js';
import * as openaiFixtures from './openai-chat/test-support.js';
import { noFixture, runOutboundConformance } from './protocol.case.js';

/** Raw bytes of a fixture in `<protocol>/__fixtures__/`. */
function createBytesReader(protocolFolder: string): (name: string) => Uint8Array {
  const folder = new URL(`./${protocolFolder}/__fixtures__/`, import.meta.url);
  return (name) => readFileSync(new URL(name, folder));
}

runOutboundConformance('openai-chat', {
  adapter: openaiChatOutbound,
  readFixtureStream: openaiFixtures.readFixtureStream,
  readFixtureJson: openaiFixtures.readFixtureJson,
  readFixtureBytes: createBytesReader('openai-chat'),
  rateLimitCode: 'rate_limit_exceeded',
  streamsToolArguments: true,
  fixtures: {
    text: 'openai-text.1.chunks.txt',
    'tool-call': 'openai-tool-call.1.chunks.txt',
    'parallel-tools': 'openai-tool-calls.1.chunks.txt',
    reasoning: 'deepseek-reasoning.1.chunks.txt',
    'usage-present': 'openai-text.1.chunks.txt',
    'usage-absent': 'openai-usage-absent.1.chunks.txt',
    'error-before-output': 'openai-error-before-output.1.chunks.txt',
    'error-mid-stream': 'openai-error-midstream.1.chunks.txt',
    heartbeat: 'openai-heartbeat.1.chunks.txt',
    'rate-limit': 'openai-rate-limit.1.json',
    'json-response': 'deepseek-reasoning.1.json',
  },
});

runOutboundConformance('anthropic-messages', {
  adapter: anthropicMessagesOutbound,
  readFixtureStream: anthropicFixtures.readFixtureStream,
  readFixtureJson: anthropicFixtures.readFixtureJson,
  readFixtureBytes: createBytesReader('anthropic-messages'),
  rateLimitCode: 'rate_limit_error',
  streamsToolArguments: true,
  fixtures: {
    text: 'anthropic-text.1.chunks.txt',
    'tool-call': 'anthropic-tool-call.1.chunks.txt',
    'parallel-tools': 'anthropic-tool-use.1.chunks.txt',
    reasoning: 'anthropic-thinking.1.chunks.txt',
    'usage-present': 'anthropic-text.1.chunks.txt',
    'usage-absent': noFixture(
      'the Messages stream always carries `usage` (required in message_start and message_delta); no documented stream lacks it',
    ),
    'error-before-output': 'anthropic-error-before-output.1.chunks.txt',
    'error-mid-stream': 'anthropic-error-midstream.1.chunks.txt',
    // The text fixture has an `event: ping` frame between content_block_start and the first delta.
    heartbeat: 'anthropic-text.1.chunks.txt',
    'rate-limit': 'anthropic-rate-limit.1.json',
    'json-response': 'anthropic-tool-use.1.json',
  },
});

runOutboundConformance('gemini', {
  adapter: geminiOutbound,
  // Ids made for id-less calls are random per stream: masked, so reads at several chunk sizes compare equal.
  readFixtureStream: (name, chunkBytes) =>
    geminiFixtures.maskCreatedToolCallIds(geminiFixtures.readFixtureStream(name, chunkBytes)),
  readFixtureJson: geminiFixtures.readFixtureJson,
  readFixtureBytes: createBytesReader('gemini'),
  rateLimitCode: 'RESOURCE_EXHAUSTED',
  // Gemini sends every functionCall whole, `args` as one object: one arguments delta per call.
  streamsToolArguments: false,
  fixtures: {
    text: 'gemini-text.1.chunks.txt',
    'tool-call': 'gemini-tool-call.1.chunks.txt',
    'parallel-tools': 'gemini-function-call.1.chunks.txt',
    reasoning: 'gemini-thinking.1.chunks.txt',
    'usage-present': 'gemini-text.1.chunks.txt',
    'usage-absent': 'gemini-usage-absent.1.chunks.txt',
    'error-before-output': 'gemini-error-before-output.1.chunks.txt',
    'error-mid-stream': 'gemini-error-midstream.1.chunks.txt',
    heartbeat: noFixture(
      'streamGenerateContent?alt=sse has no keep-alive or ping frame: every SSE event is a whole GenerateContentResponse',
    ),
    'rate-limit': 'gemini-rate-limit.1.json',
    'json-response': 'gemini-function-call.1.json',
  },
});
