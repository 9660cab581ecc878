export { CallAbort } from './create-call-abort.js';
export { createUpstreamClient } from './create-upstream-client.js';
export type {
  AttemptTiming,
  UpstreamClient,
  UpstreamClientOptions,
  UpstreamResponse,
} from './create-upstream-client.js';
export { readBodyText, readBodyTextTruncated } from './read-body-text.js';
export { mapTransportError } from './map-transport-error.js';
export { mapUpstreamStatus } from './map-upstream-status.js';
export type { UpstreamFailure } from './map-upstream-status.js';
export { parseRetryAfter, retryAfterSecondsMax } from './parse-retry-after.js';
export { probeProvider } from './probe-provider.js';
export type { ProbeOptions, ProviderProbe } from './probe-provider.js';
