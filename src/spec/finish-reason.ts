/** Why generation stopped, in one vocabulary across protocols. */
export type UnifiedFinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'error' | 'other';

/** The unified reason plus the provider's own string, kept for audit and fidelity. */
export interface FinishReason {
  readonly unified: UnifiedFinishReason;
  readonly raw: string | undefined;
  /** The stop sequence that ended generation, when the upstream names it (Anthropic `stop_sequence`). */
  readonly stopSequence?: string;
}
