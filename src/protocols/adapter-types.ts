import type { Endpoint } from '../catalog/catalog-types.js';
import type { GatewayError } from '../errors/index.js';
import type {
  BilledUsage,
  ChatRequest,
  ChatResult,
  EmbeddingsRequest,
  EmbeddingsResult,
  ParsedChatRequest,
  ProtocolId,
  StreamEvent,
  Usage,
  Warning,
} from '../spec/index.js';

/**
 * The contracts between the pipeline (http/handle-model-call.ts) and a protocol
 * folder. A protocol folder owns one wire format in both directions; it never
 * imports another protocol folder, the catalog's data, or storage.
 */

/** Request headers as Node's HTTP server hands them over: lower-case names, repeated headers as arrays. */
export type ClientHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** What the gateway adds to every response it renders. */
export interface ResponseMeta {
  /** Gateway generation id (`gen-…`), the response `id`; works with /api/v1/generation. */
  readonly generationId: string;
  /** The call's request id (`req_…`), which error bodies and in-stream error frames carry. */
  readonly requestId: string;
  /** Public model slug the client asked for. */
  readonly model: string;
  /** The calling key's org: what a renderer keeps for later requests (Responses items) is kept for this org only. */
  readonly orgId: string;
  readonly createdSeconds: number;
  /** Provider id that served the request (OpenRouter's `provider` field). */
  readonly providerName: string;
  /** Wire protocol of the upstream that served it (reasoning signatures are tagged with it). */
  readonly upstreamProtocol: ProtocolId;
  /** False when the client asked for reasoning to be generated but not returned (`reasoning.exclude`). */
  readonly isReasoningShown: boolean;
  /** A local-tokenizer estimate of the prompt, computed on first call (Anthropic's `message_start` needs one). */
  readonly estimatePromptTokens: () => number;
}

/** A rendered error: status, JSON body and extra headers, in one client dialect. */
export interface RenderedError {
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Client-facing side of a protocol. */
export interface InboundCodec {
  /**
   * Untrusted client JSON → canonical request; throws GatewayError (`invalid_request`, with `param`). `bytes` is the
   * body as received, from which `body` was parsed; `headers` are the client's request headers, from which a codec
   * may keep those its protocol's upstreams need (`ChatRequest.passthrough.headers`).
   */
  parseRequest(body: unknown, bytes?: Buffer, headers?: ClientHeaders, orgId?: string): ParsedChatRequest;
  /** Canonical result → client JSON text. */
  renderResponse(result: ChatResult, billed: BilledUsage, meta: ResponseMeta, request: ChatRequest): string;
  /** One renderer per streamed response; keeps per-stream state (tool-call indexes, roles sent). */
  createStreamRenderer(request: ChatRequest, meta: ResponseMeta): StreamRenderer;
  renderError(error: GatewayError, requestId: string): RenderedError;
}

/** Turns canonical events into SSE frames (complete `data: …\n\n` strings) for one client stream. */
export interface StreamRenderer {
  /** Frames for one event; '' when the event produces nothing for this client. */
  renderEvent(event: StreamEvent): string;
  /** Frames that close a successful stream: the usage chunk if the client asked, then the terminator. */
  renderEnd(billed: BilledUsage): string;
  /** Frames that end a stream in error after output started (in-band error, `finish_reason: "error"`). */
  renderError(error: GatewayError, billed: BilledUsage | undefined): string;
  /** A frame every client of this protocol ignores, sent when the stream has been silent for a while. */
  renderHeartbeat(): string;
}

/** An HTTP request to send upstream; the upstream module adds auth and base URL. */
export interface UpstreamRequest {
  /** Path relative to the provider's base URL, e.g. `/chat/completions`. */
  readonly path: string;
  /** JSON text, or its UTF-8 bytes when they were assembled as bytes (long texts copied from the client's body). */
  readonly body: string | Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** Settings this upstream protocol cannot honour exactly (dropped or approximated), shown to the client. */
  readonly warnings?: readonly Warning[];
}

/** Upstream-facing side of a protocol. */
export interface OutboundAdapter {
  buildRequest(request: ChatRequest, endpoint: Endpoint): UpstreamRequest;
  /** Parsed upstream JSON → canonical result; throws GatewayError(`upstream_invalid_response`) on nonsense. */
  readResponse(json: unknown): ChatResult;
  /** The usage a parsed upstream JSON answer reports, even one `readResponse` refuses (its cost is still owed). */
  readResponseUsage(json: unknown): Usage | undefined;
  createStreamReader(): StreamReader;
  /** Status + raw body of an upstream error → message and provider code, tolerant of any body. */
  readErrorBody(status: number, bodyText: string): { readonly message: string; readonly code: string | undefined };
}

/** Reads one upstream stream, SSE event by SSE event. */
export interface StreamReader {
  /** One SSE event (its `event:` name, or undefined, and joined `data:`) → zero or more canonical events. */
  readEvent(eventName: string | undefined, data: string): readonly StreamEvent[];
  /** Called once when the upstream stream ends; returns closing events (e.g. a missing finish). */
  end(): readonly StreamEvent[];
  /** Whether the upstream sent its end marker (`[DONE]`, `message_stop`, …). */
  readonly isComplete: boolean;
}

/** Embeddings, upstream side; only protocols with an embeddings API implement it. */
export interface EmbeddingsAdapter {
  buildEmbeddingsRequest(request: EmbeddingsRequest, endpoint: Endpoint): UpstreamRequest;
  /** Parsed upstream JSON → embeddings in input order; throws GatewayError(`upstream_invalid_response`) on nonsense. */
  readEmbeddingsResponse(json: unknown): EmbeddingsResult;
}
