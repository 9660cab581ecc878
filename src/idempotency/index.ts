export { createIdempotencyService, idempotencyDefaults } from './create-idempotency-service.js';
export type {
  IdempotencyRunInput,
  IdempotencyService,
  IdempotencyServiceOptions,
} from './create-idempotency-service.js';
export { fingerprintRequest } from './fingerprint-request.js';
export { idempotencyKeyLengthMax, parseIdempotencyKey } from './parse-idempotency-key.js';
export { deriveResponseSealKey } from './seal-response.js';
