import type { Endpoint } from '../catalog/index.js';
import type { EndpointKey } from './health-types.js';

/** One endpoint's identity in health tracking: `provider id/upstream model` (e.g. `deepseek/deepseek-chat`). */
export function endpointKey(endpoint: Endpoint): EndpointKey {
  return `${endpoint.provider.id}/${endpoint.upstreamModel}`;
}
