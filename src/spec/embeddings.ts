/** A canonical embeddings request (OpenAI `/v1/embeddings` in, any embeddings upstream out). */
export interface EmbeddingsRequest {
  /** The model string exactly as the client sent it. */
  readonly model: string;
  /** One entry per text to embed (OpenAI's string input is a one-element array). */
  readonly input: readonly string[];
  /** Requested vector size, when the model supports shortening. */
  readonly dimensions?: number;
  readonly user?: string;
}

/** Embeddings read from an upstream, in input order. */
export interface EmbeddingsResult {
  readonly upstreamId: string | undefined;
  readonly embeddings: readonly (readonly number[])[];
  /** Prompt tokens as the provider reported them; `undefined` when it did not. */
  readonly inputTokens: number | undefined;
  /** The provider's usage object as received, for audit. */
  readonly rawUsage?: unknown;
}
