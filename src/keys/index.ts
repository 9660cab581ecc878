export { createKeySecret, isWellFormedKeySecret, keySecretPrefix } from './create-key-secret.js';
export { digestKey } from './digest-key.js';
export { loadPepper } from './load-pepper.js';
export { createKeyService, fixedSecretLengthMin, keyCacheTtlMs } from './create-key-service.js';
export type { CreateKeyInput, KeyService } from './create-key-service.js';
