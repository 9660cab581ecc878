export { resolveEndpoints } from './resolve-endpoints.js';
export type { ResolvedModel, ModelSuffix } from './resolve-endpoints.js';
export type { ProviderPreferences, RoutingControls, RouteAttempt, RoutePlan } from './routing-types.js';
export { parseRoutingControls, fallbackModelsMax } from './parse-routing-controls.js';
export { planRoute, routeAttemptsMax } from './plan-route.js';
export type { PlanRouteInput } from './plan-route.js';
export { createStickySessions, stickySessionTtlMsDefault, stickySessionEntriesMaxDefault } from './sticky-sessions.js';
export type { StickySessions, StickySessionsOptions } from './sticky-sessions.js';
export { conversationKey } from './conversation-key.js';
