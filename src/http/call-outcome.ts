import type { Ending } from '../storage/index.js';

/** How one attempt that reached the client ended: what health and the attempt loop need to know. */
export interface CallOutcome {
  readonly ending: Ending;
  /** When the first output event arrived (streams); undefined for JSON answers and streams that produced none. */
  readonly firstOutputAtMs: number | undefined;
  readonly finishedAtMs: number;
  /** Billed prompt tokens (the provider's count, or the local estimate when it reported none). */
  readonly promptTokens: number;
  readonly completionTokens: number;
}
