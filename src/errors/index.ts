export { errorCodes, allErrorCodes } from './codes.js';
export type { ErrorCode } from './codes.js';
export { GatewayError, UpstreamError, isRetryableStatus } from './gateway-error.js';
export type { GatewayErrorOptions } from './gateway-error.js';
export { toGatewayError } from './to-gateway-error.js';
