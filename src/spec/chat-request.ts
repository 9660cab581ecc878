import type { Warning } from './warning.js';

/** Wire formats Meridian speaks, inbound or outbound. Stable kebab-case ids. */
export type ProtocolId = 'openai-chat' | 'anthropic-messages' | 'gemini';

/** Anthropic-style prompt-cache breakpoint; OpenRouter accepts it on OpenAI content parts too. */
export interface CacheControl {
  readonly type: 'ephemeral';
  readonly ttl?: string;
}

export interface TextPart {
  readonly type: 'text';
  readonly text: string;
  readonly cacheControl?: CacheControl;
  /** Citations of a generated text, as an Anthropic-protocol upstream returned them; rendered only to its clients. */
  readonly citations?: readonly unknown[];
}
export interface ImagePart {
  readonly type: 'image';
  /** An https/http URL or a `data:` URL; the gateway never fetches it unless configured to. */
  readonly url: string;
  readonly detail?: 'auto' | 'low' | 'high';
  readonly cacheControl?: CacheControl;
}
export interface ReasoningPart {
  readonly type: 'reasoning';
  readonly text: string;
  /** Provider signature that must be sent back unchanged on the next turn (Anthropic thinking, Gemini thoughts). */
  readonly signature?: string;
  /**
   * The upstream protocol that issued `signature` when it is not the client's own
   * (a Gemini thought signature carried by an Anthropic client). A signature is only
   * ever sent back to an upstream of the protocol that issued it.
   */
  readonly signatureProtocol?: ProtocolId;
}
export interface ToolCallPart {
  readonly type: 'tool-call';
  readonly toolCallId: string;
  readonly toolName: string;
  /** JSON text exactly as the model produced it (a custom tool's free-form input when `isCustom`). */
  readonly arguments: string;
  readonly cacheControl?: CacheControl;
  /**
   * A call of an OpenAI custom tool (`type: "custom"`): `arguments` is the model's free-form input, not JSON. Only
   * OpenAI-protocol clients can declare such tools, so only their upstreams produce such calls.
   */
  readonly isCustom?: boolean;
}
/** A content part the canonical model does not know; forwarded only to the same protocol. */
export interface OpaquePart {
  readonly type: 'opaque';
  readonly protocol: ProtocolId;
  readonly value: unknown;
}

export type UserPart = TextPart | ImagePart | OpaquePart;
export type AssistantPart = TextPart | ReasoningPart | ToolCallPart | OpaquePart;

export type Message =
  | {
      readonly role: 'system';
      readonly content: readonly TextPart[];
      readonly name?: string;
      /** OpenAI's `developer` role: a system message, kept distinct for upstreams that know it. */
      readonly isDeveloper?: boolean;
    }
  | { readonly role: 'user'; readonly content: readonly UserPart[]; readonly name?: string }
  | {
      readonly role: 'assistant';
      readonly content: readonly AssistantPart[];
      readonly name?: string;
      readonly refusal?: string;
    }
  | {
      readonly role: 'tool';
      readonly toolCallId: string;
      readonly content: readonly TextPart[];
      /** The tool result reported an error (Anthropic `is_error`). */
      readonly isError?: boolean;
      readonly cacheControl?: CacheControl;
      /**
       * The result's whole content as the client's protocol wrote it, when it holds blocks `content` cannot (an
       * Anthropic image or document): sent instead of `content` to an upstream of that protocol. Other upstreams get
       * the text in `content`, with a warning.
       */
      readonly opaqueContent?: OpaquePart;
    };

/** Fields the inbound codec does not model, keyed by wire name, forwarded only to an upstream of `protocol`. */
export interface ProtocolFields {
  readonly protocol: ProtocolId;
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface FunctionToolDefinition {
  readonly type: 'function';
  readonly name: string;
  readonly description?: string;
  /** JSON Schema of the arguments, passed through unchanged. */
  readonly parameters?: unknown;
  readonly strict?: boolean;
  readonly cacheControl?: CacheControl;
  /** The tool's other fields as the client sent them (Anthropic `defer_loading`, `input_examples`, …). */
  readonly passthrough?: ProtocolFields;
}

/**
 * A tool only its own protocol knows (an Anthropic server tool such as `web_search_20250305`, a versioned
 * Anthropic-defined tool, an OpenAI custom tool): forwarded unchanged to an upstream of `protocol`, dropped with a
 * warning elsewhere.
 */
export interface OpaqueToolDefinition {
  readonly type: 'opaque';
  readonly protocol: ProtocolId;
  readonly value: unknown;
}

export type ToolDefinition = FunctionToolDefinition | OpaqueToolDefinition;

/** The tool choices every protocol can express. */
export type BasicToolChoice =
  | { readonly type: 'auto' }
  | { readonly type: 'none' }
  | { readonly type: 'required' }
  | { readonly type: 'tool'; readonly toolName: string };

/**
 * OpenAI's `allowed_tools`: the model may call only the named tools (and with `required` must call one), while every
 * tool stays declared. `native` is the client's choice as written, sent unchanged to an upstream of its protocol;
 * others get the declared tools narrowed to the allowed ones and `auto` or `required`.
 */
export interface AllowedToolsChoice {
  readonly type: 'allowed-tools';
  readonly mode: 'auto' | 'required';
  readonly toolNames: readonly string[];
  readonly native?: { readonly protocol: ProtocolId; readonly value: unknown };
}

/** A tool choice only its own protocol knows (OpenAI's custom-tool choice): for an upstream of `protocol` only. */
export interface OpaqueToolChoice {
  readonly type: 'opaque';
  readonly protocol: ProtocolId;
  readonly value: unknown;
}

export type ToolChoice = BasicToolChoice | AllowedToolsChoice | OpaqueToolChoice;

export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json-object' }
  | {
      readonly type: 'json-schema';
      readonly name: string;
      readonly schema: unknown;
      readonly strict?: boolean;
      readonly description?: string;
    };

export interface ReasoningOptions {
  readonly effort?: 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'none';
  readonly maxTokens?: number;
  /** Generate reasoning but do not return it to the client. */
  readonly exclude?: boolean;
  /**
   * The client asked to see reasoning as a summary (OpenAI Responses `reasoning.summary`): its renderer writes the
   * reasoning text as summary parts, which such clients display. No upstream is sent this.
   */
  readonly summary?: boolean;
  /**
   * The client's own reasoning setting when the canonical fields only approximate it (Anthropic
   * `thinking: {type: 'adaptive'}`): an upstream of `protocol` is sent `value` unchanged, others the approximation.
   */
  readonly native?: { readonly protocol: ProtocolId; readonly value: unknown };
}

/**
 * The canonical chat request every inbound codec produces and every outbound
 * adapter consumes. Routing, metering and the ledger see only this.
 */
export interface ChatRequest {
  /** The model string exactly as the client sent it (`vendor/model`, possibly with `:floor` / `:nitro`); routing resolves it. */
  readonly model: string;
  readonly messages: readonly Message[];
  readonly stream: boolean;
  /** The client asked for a usage chunk in the stream (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
  readonly maxOutputTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  /**
   * Sample only from the K likeliest tokens (Anthropic `top_k`, Gemini `topK`; an extension some OpenAI-compatible
   * vendors accept, catalog `openai.top_k`).
   */
  readonly topK?: number;
  readonly stop?: readonly string[];
  readonly seed?: number;
  readonly n?: number;
  readonly presencePenalty?: number;
  readonly frequencyPenalty?: number;
  readonly tools?: readonly ToolDefinition[];
  readonly toolChoice?: ToolChoice;
  readonly parallelToolCalls?: boolean;
  readonly responseFormat?: ResponseFormat;
  readonly reasoning?: ReasoningOptions;
  readonly user?: string;
  /**
   * OpenRouter routing controls as sent (`models`, `provider`, `route`), for routing
   * to validate. Never forwarded upstream.
   */
  readonly routingControls: Readonly<Record<string, unknown>>;
  /**
   * Request fields the inbound codec does not model, keyed by wire name. They are
   * forwarded untouched when the outbound protocol equals `passthrough.protocol`
   * (provider-specific parameters keep working), and dropped with a warning otherwise.
   */
  readonly passthrough: ProtocolFields & {
    /**
     * Request headers of the client's protocol that its upstreams need (Anthropic `anthropic-beta`), keyed by
     * lower-case name; sent only to an upstream of `protocol`.
     */
    readonly headers?: Readonly<Record<string, string>>;
  };
  /**
   * Long strings of the client's body with the JSON literal it wrote for each: an outbound builder may copy those
   * bytes wherever its body holds exactly that string, instead of serialising it again (ADR 2026-11-30-hot-path-costs).
   */
  readonly textLiterals?: TextLiterals;
}

/** Strings a client sent as long JSON literals, with their literals. */
export interface TextLiterals {
  /**
   * By the length of their text: a string's length finds the few it could be, and then `===` (the same string object,
   * usually) tells. Not a map keyed by text, which would hash every long text on every call.
   */
  readonly byLength: ReadonlyMap<number, readonly TextLiteral[]>;
  /** The length of the shortest text: a shorter string need not be looked up. */
  readonly textLengthMin: number;
}

/** A string and the JSON literal a client wrote for it: UTF-8 bytes, quotes included. */
export interface TextLiteral {
  readonly text: string;
  readonly bytes: Buffer;
}

/** The result of parsing a client body: the request and what could not be honoured. */
export interface ParsedChatRequest {
  readonly request: ChatRequest;
  readonly warnings: readonly Warning[];
}
