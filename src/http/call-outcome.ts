import type { Ending } from '../storage/index.js';

/** How one attempt that reached the client ended: what health and the attempt loop need to know. */
export interface CallOutcome {
  readonly ending: Ending;
  /** When the first output event arrived (streams); undefined for JSON answers and streams that produced none. */
  readonly firstOutputAtMs: number | undefined;
  readonly finishedAtMs: number;
  readonly completionTokens: number;
}
