export { createHealthTracker } from './create-health-tracker.js';
export { endpointKey } from './endpoint-key.js';
export { healthDefaults } from './health-defaults.js';
export type { HealthOptions } from './health-defaults.js';
export type * from './health-types.js';
export { createSharedHealth, sharedHealthDefaults, startSharedHealth } from './shared/index.js';
export type { RunningSharedHealth, SharedHealth, SharedHealthMessage } from './shared/index.js';
