export { createSharedHealth } from './create-shared-health.js';
export type { SharedHealthOptions } from './create-shared-health.js';
export { parseSharedHealthMessage } from './parse-shared-health-message.js';
export { sharedHealthDefaults } from './shared-health-defaults.js';
export type { SharedHealth, SharedHealthMessage } from './shared-health-types.js';
export { sharedHealthChannelName, startSharedHealthChannel } from './start-shared-health-channel.js';
export type { SharedHealthChannel, SharedHealthChannelOptions } from './start-shared-health-channel.js';
export { startSharedHealth } from './start-shared-health.js';
export type { RunningSharedHealth, StartSharedHealthOptions } from './start-shared-health.js';
