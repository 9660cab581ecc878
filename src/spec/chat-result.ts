import type { AssistantPart } from './chat-request.js';
import type { FinishReason } from './finish-reason.js';
import type { Usage } from './usage.js';

/** One choice of a completed (non-streaming) generation. */
export interface ChatChoice {
  readonly index: number;
  /** Text, reasoning and tool calls in the order the model produced them. */
  readonly content: readonly AssistantPart[];
  readonly refusal?: string;
  readonly finishReason: FinishReason;
  /** Provider log-probabilities, passed through unchanged when the protocol matches. */
  readonly logprobs?: unknown;
}

/** A completed generation as read from an upstream, before rendering. */
export interface ChatResult {
  /** The upstream's own response id (the gateway's generation id replaces it on the way out). */
  readonly upstreamId: string | undefined;
  readonly choices: readonly ChatChoice[];
  readonly usage: Usage;
  readonly systemFingerprint?: string;
}
