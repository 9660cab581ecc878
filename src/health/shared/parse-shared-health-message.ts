import { sharedHealthDefaults } from './shared-health-defaults.js';
import type { SharedHealthMessage } from './shared-health-types.js';

const isField = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= sharedHealthDefaults.messageFieldLengthMax;

/**
 * A channel message → a `SharedHealthMessage`, or undefined when it is not one: too long, not JSON, not an object,
 * a missing or over-long endpoint or node id, or an until-time that is not a finite number ≥ 0. Unknown fields are
 * ignored, so a newer node's messages still reach older ones during a rolling upgrade.
 */
export function parseSharedHealthMessage(text: string): SharedHealthMessage | undefined {
  if (text.length > sharedHealthDefaults.messageLengthMax) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields = value as Readonly<Record<string, unknown>>;
  const endpoint = fields['endpoint'];
  const untilMs = fields['untilMs'];
  const nodeId = fields['nodeId'];
  if (!isField(endpoint) || !isField(nodeId)) return undefined;
  if (typeof untilMs !== 'number' || !Number.isFinite(untilMs) || untilMs < 0) return undefined;
  return { endpoint, untilMs, nodeId };
}
