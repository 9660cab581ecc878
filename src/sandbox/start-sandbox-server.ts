import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { limits } from '../config/limits.js';
import { SandboxEmbeddingsError, embedInputs } from './embed-inputs.js';
import { generateReply } from './generate-reply.js';
import { createPromptCache } from './prompt-cache.js';
import type { PromptCache } from './prompt-cache.js';
import { buildSandboxDeltas, renderSandboxCompletion, renderSandboxUsage } from './render-sandbox-reply.js';
import { createSeededRandom, pickInteger } from './seeded-random.js';

export interface SandboxServerOptions {
  readonly host?: string;
  readonly port?: number;
  /** Multiplies every simulated delay; 0 disables delays (tests, benchmarks). */
  readonly latencyScale?: number;
}

export interface SandboxServer {
  /** e.g. `http://127.0.0.1:45123/v1` */
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** Upstream model names the sandbox serves (the public slugs work too). */
export const sandboxModels = ['sandbox-chat', 'sandbox-reasoner', 'sandbox-embed'] as const;
/** The sandbox's embeddings model (served on `/v1/embeddings` only); the others are chat models. */
const embeddingsModel = 'sandbox-embed';
const promptCacheEntriesMax = 1_000;

/**
 * Meridian's built-in sandbox: an OpenAI-compatible upstream on loopback that
 * answers deterministically with realistic token counts, latency and streaming,
 * reached through the same adapter path as real providers. No real model.
 */
export async function startSandboxServer(options: SandboxServerOptions = {}): Promise<SandboxServer> {
  const latencyScale = options.latencyScale ?? 1;
  const cache = createPromptCache(promptCacheEntriesMax);
  const server = createServer((request, response) => {
    handle(request, response, { latencyScale, cache }).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    baseUrl: `http://${address.address}:${address.port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface SandboxContext {
  readonly latencyScale: number;
  readonly cache: PromptCache;
}

async function handle(request: IncomingMessage, response: ServerResponse, context: SandboxContext): Promise<void> {
  if (request.method === 'GET' && request.url === '/v1/models') {
    return sendJson(response, 200, {
      object: 'list',
      data: sandboxModels.map((id) => ({ id, object: 'model', created: 0, owned_by: 'meridian-sandbox' })),
    });
  }
  const route = request.method === 'POST' ? routes[request.url ?? ''] : undefined;
  if (route === undefined) {
    return sendError(response, 404, 'not_found', `No sandbox route for ${request.method ?? ''} ${request.url ?? ''}.`);
  }
  const text = await readBody(request);
  if (text === undefined) return sendError(response, 413, 'payload_too_large', 'Request body too large.');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return sendError(response, 400, 'invalid_json', 'Request body is not valid JSON.');
  }
  const model = typeof body['model'] === 'string' ? body['model'].replace(/^meridian\//, '') : '';
  if (
    !(sandboxModels as readonly string[]).includes(model) ||
    (model === embeddingsModel) !== (route === 'embeddings')
  ) {
    return sendError(response, 404, 'model_not_found', `The sandbox has no ${route} model '${String(body['model'])}'.`);
  }
  if (route === 'embeddings') return sendEmbeddings(response, body);
  const reply = generateReply(body, model, context.cache);
  const meta = {
    id: `chatcmpl-sbx-${randomBytes(8).toString('hex')}`,
    model: String(body['model']),
    created: Math.floor(Date.now() / 1000),
  };
  const random = createSeededRandom(reply.seed);
  const firstTokenMs = Math.min(pickInteger(random, 80, 300) + reply.promptTokens * 0.02, 2_000) * context.latencyScale;
  if (body['stream'] !== true) {
    await delay(firstTokenMs + reply.completionTokens * 10 * context.latencyScale, response);
    if (!response.destroyed) sendRaw(response, 200, renderSandboxCompletion(reply, meta));
    return;
  }
  const streamOptions = body['stream_options'];
  const includeUsage =
    typeof streamOptions === 'object' &&
    streamOptions !== null &&
    (streamOptions as Record<string, unknown>)['include_usage'] === true;
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  const head = `{"id":"${meta.id}","object":"chat.completion.chunk","created":${meta.created},"model":${JSON.stringify(meta.model)},"system_fingerprint":"fp_sandbox","choices":`;
  const usageNull = includeUsage ? ',"usage":null' : '';
  await delay(firstTokenMs, response);
  for (const { delta, finish } of buildSandboxDeltas(reply)) {
    if (response.destroyed) return;
    response.write(
      `data: ${head}${JSON.stringify([{ index: 0, delta, logprobs: null, finish_reason: finish }])}${usageNull}}\n\n`,
    );
    await delay(pickInteger(random, 8, 25) * context.latencyScale, response);
  }
  if (includeUsage) response.write(`data: ${head}[],"usage":${JSON.stringify(renderSandboxUsage(reply))}}\n\n`);
  response.end('data: [DONE]\n\n');
}

const routes: Readonly<Record<string, 'chat' | 'embeddings'>> = {
  '/v1/chat/completions': 'chat',
  '/v1/embeddings': 'embeddings',
};

/** OpenAI's `/embeddings` answer (float vectors; the gateway asks for nothing else), or its 400 for a bad body. */
function sendEmbeddings(response: ServerResponse, body: Record<string, unknown>): void {
  let embedded;
  try {
    embedded = embedInputs(body);
  } catch (error) {
    if (!(error instanceof SandboxEmbeddingsError)) throw error;
    return sendJson(response, 400, {
      error: { message: error.message, type: 'invalid_request_error', param: error.param, code: 'invalid_request' },
    });
  }
  sendJson(response, 200, {
    object: 'list',
    data: embedded.vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model: String(body['model']),
    usage: { prompt_tokens: embedded.promptTokens, total_tokens: embedded.promptTokens },
  });
}

/** Waits `ms` unless the client goes away first; never blocks the event loop. */
function delay(ms: number, response: ServerResponse): Promise<void> {
  if (ms <= 0 || response.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      response.off('close', done);
      resolve();
    }
    response.once('close', done);
  });
}

function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= limits.requestBodyBytesMax) chunks.push(chunk);
    });
    request.on('end', () =>
      resolve(bytes > limits.requestBodyBytesMax ? undefined : Buffer.concat(chunks).toString('utf8')),
    );
    request.on('error', reject);
  });
}

function sendRaw(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  sendRaw(response, status, JSON.stringify(value));
}

function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  sendJson(response, status, {
    error: { message, type: status === 404 ? 'not_found_error' : 'invalid_request_error', param: null, code },
  });
}
