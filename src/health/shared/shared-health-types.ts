import type { EndpointKey, HealthTracker } from '../health-types.js';

/**
 * What one node tells the others about one endpoint: keep traffic away from it until `untilMs` (epoch ms on the
 * sender's clock), or, with `untilMs` 0, that the rest this node announced is over (its circuit closed again).
 */
export interface SharedHealthMessage {
  readonly endpoint: EndpointKey;
  readonly untilMs: number;
  readonly nodeId: string;
}

/** A node's `HealthTracker` that also honours the rests other nodes announce. */
export interface SharedHealth extends HealthTracker {
  /** A message from the channel; this node's own messages and malformed until-times are ignored. */
  applyRemote(message: SharedHealthMessage): void;
  /** Remote rests held now (expired ones included until swept); for tests and diagnostics. */
  remoteRestsCount(): number;
}
