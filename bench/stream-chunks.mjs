// The per-chunk CPU of a stream's own JavaScript, without sockets: an OpenAI-compatible stream of `chunks` text
// chunks (the harness mock's envelope) through the SSE parser, then the OpenAI reader, then the stream state and the
// OpenAI renderer, as `src/http/stream-model-call.ts` runs them. Prints µs per chunk after each stage (built
// JavaScript: `npm run build` first). `client=responses` renders for an OpenAI Responses client instead.
//
//   node bench/stream-chunks.mjs [chunks=500] [streams=2000] [client=chat|responses]
import { createStreamState, trackStreamEvent } from '../dist/http/stream-state.js';
import { openaiChatInbound, openaiChatOutbound } from '../dist/protocols/openai-chat/index.js';
import { createOpenaiResponsesInbound, createResponseItemMemory } from '../dist/protocols/openai-responses/index.js';
import { createSseParser } from '../dist/streaming/index.js';

const chunks = Number(process.argv[2] ?? 500);
const streams = Number(process.argv[3] ?? 2_000);
const client = process.argv[4] ?? 'chat';
const inbound =
  client === 'responses'
    ? createOpenaiResponsesInbound(
        createResponseItemMemory({ countMax: 1_000, bytesMax: 1 << 26, ttlMs: 60_000, now: Date.now }),
      )
    : openaiChatInbound;
const head = `{"id":"chatcmpl-mock","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","system_fingerprint":"fp_mock","choices":[`;
const events = [
  `data: ${head}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`,
];
for (let index = 0; index < chunks; index += 1) {
  events.push(`data: ${head}{"index":0,"delta":{"content":" hello"},"logprobs":null,"finish_reason":null}]}\n\n`);
}
events.push(`data: ${head}{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}\n\n`);
events.push(
  `data: ${head}],"usage":{"prompt_tokens":10,"completion_tokens":${chunks},"total_tokens":${chunks + 10}}}\n\n`,
);
events.push('data: [DONE]\n\n');
// One Buffer per event: undici hands over one HTTP chunk at a time, and providers send one event per chunk.
const buffers = events.map((event) => Buffer.from(event));
const { request } = openaiChatInbound.parseRequest({
  model: 'm',
  stream: true,
  messages: [{ role: 'user', content: 'hi' }],
});
const meta = {
  generationId: 'gen-1-bench',
  model: 'm',
  createdSeconds: 1,
  providerName: 'bench',
  upstreamProtocol: 'openai',
};
const stages = ['SSE parser', '+ OpenAI reader', `+ stream state and ${client} renderer`];

/** One stream through the first `stage + 1` stages; returns the rendered length (so nothing is optimised away). */
function runStream(stage) {
  const reader = openaiChatOutbound.createStreamReader();
  const renderer = inbound.createStreamRenderer(request, meta);
  const state = createStreamState();
  let rendered = 0;
  let batch = [];
  const parser = createSseParser({
    eventBytesMax: 1 << 20,
    onEvent: (event) => {
      if (stage >= 1) for (const read of reader.readEvent(event.event, event.data)) batch.push(read);
    },
  });
  for (const buffer of buffers) {
    parser.push(buffer);
    if (stage >= 2) {
      for (const event of batch) {
        trackStreamEvent(state, event);
        rendered += renderer.renderEvent(event).length;
      }
    }
    batch = [];
  }
  return rendered;
}

const result = { chunks, streams };
for (const [stage, name] of stages.entries()) {
  for (let warm = 0; warm < 300; warm += 1) runStream(stage);
  const before = process.cpuUsage();
  for (let index = 0; index < streams; index += 1) runStream(stage);
  const used = process.cpuUsage(before);
  result[name] = Number(((used.user + used.system) / streams / events.length).toFixed(3));
}
console.log(JSON.stringify({ ...result, unit: 'CPU µs per chunk' }));
