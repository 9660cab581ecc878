import type { ProtocolId } from './chat-request.js';
import type { FinishReason } from './finish-reason.js';
import type { Usage } from './usage.js';

/**
 * Canonical stream events, named `<noun>-<verb>`. An upstream reader emits them;
 * a client renderer consumes them. `choice` is the choice index (OpenAI `n`).
 *
 * `block` is the upstream's content-block index, from protocols whose streams have blocks (Anthropic): a renderer
 * that keeps blocks starts a new one where it changes, so two adjacent thinking or text blocks stay two. Without it
 * (OpenAI-compatible and Gemini streams) consecutive deltas of one kind are one block.
 *
 * Order guarantees an adapter must keep: `response-start` first; for each tool call
 * `tool-call-start` before its deltas; at most one `finish` per choice; `usage` at
 * most once, after the last delta; `error` is terminal.
 */
export type StreamEvent =
  | {
      readonly type: 'response-start';
      readonly upstreamId: string | undefined;
      readonly systemFingerprint?: string;
    }
  | {
      readonly type: 'text-delta';
      readonly choice: number;
      readonly delta: string;
      readonly logprobs?: unknown;
      readonly block?: number;
    }
  | { readonly type: 'reasoning-delta'; readonly choice: number; readonly delta: string; readonly block?: number }
  | {
      readonly type: 'reasoning-signature';
      readonly choice: number;
      readonly signature: string;
      readonly block?: number;
    }
  /** A citation of the text in `block` (Anthropic `citations_delta`, as the upstream sent it). */
  | { readonly type: 'citation-delta'; readonly choice: number; readonly citation: unknown; readonly block?: number }
  /**
   * A whole content block the canonical model does not know (Anthropic `redacted_thinking`, server tool calls and
   * their results), for clients of `protocol` only.
   */
  | { readonly type: 'opaque-part'; readonly choice: number; readonly protocol: ProtocolId; readonly value: unknown }
  | { readonly type: 'refusal-delta'; readonly choice: number; readonly delta: string }
  | {
      readonly type: 'tool-call-start';
      readonly choice: number;
      /** Position of this call among the choice's tool calls (OpenAI `tool_calls[].index`). */
      readonly toolCallIndex: number;
      readonly toolCallId: string;
      readonly toolName: string;
      /** An OpenAI custom tool call: its deltas are free-form input, not JSON (see `ToolCallPart.isCustom`). */
      readonly isCustom?: boolean;
    }
  | {
      readonly type: 'tool-call-delta';
      readonly choice: number;
      readonly toolCallIndex: number;
      readonly argumentsDelta: string;
    }
  | { readonly type: 'finish'; readonly choice: number; readonly finishReason: FinishReason }
  | { readonly type: 'usage'; readonly usage: Usage }
  | {
      readonly type: 'error';
      /** Upstream error as the adapter understood it; rendered in the client's dialect. */
      readonly message: string;
      readonly code: string | undefined;
      readonly raw?: unknown;
    };

export type StreamEventType = StreamEvent['type'];
