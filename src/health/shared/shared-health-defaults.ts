/**
 * Every bound of shared endpoint health (cluster mode), named, unit last. Each line says what it limits and what
 * a message or a Redis fault beyond it turns into.
 */
export const sharedHealthDefaults = {
  /**
   * A rest announced by another node ends at most this long after it arrives, whatever the message says: a wrong
   * clock or a bad message cannot keep an endpoint out of rotation for longer. Equal to the longest rest a node
   * gives itself (`healthDefaults.cooldownMaxMs` and the `Retry-After` cap are both 5 min).
   */
  remoteRestMsMax: 5 * 60_000,
  /** Remote rests kept (one per endpoint and announcing node); beyond, expired ones are swept, then the oldest dropped. */
  remoteRestsCountMax: 10_000,
  /** Endpoints whose rest this node has announced and not yet cleared; beyond, the oldest is forgotten (no clear sent). */
  announcementsCountMax: 10_000,
  /** A channel message longer than this (in UTF-16 code units) is dropped unread; a real one is under 300. */
  messageLengthMax: 1_024,
  /** Longest endpoint key or node id a message may carry; longer → the message is dropped. */
  messageFieldLengthMax: 256,
  /**
   * The subscriber connection's command timeout (SUBSCRIBE, never on a request's path); a SUBSCRIBE not answered in
   * time reconnects the subscriber, which subscribes again once Redis answers.
   */
  subscribeTimeoutMs: 1_000,
  /** The longest a node's start waits for its first subscription; past it the node starts and subscribes later. */
  startWaitMs: 1_000,
} as const;
