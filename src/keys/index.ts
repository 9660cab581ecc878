export { createKeySecret, isWellFormedKeySecret, keySecretLength, keySecretPrefix } from './create-key-secret.js';
export { digestKey } from './digest-key.js';
export { assertPepperUsable, loadPepper, pepperBytesMin } from './load-pepper.js';
export { createKeyService, fixedSecretLengthMin, keyCacheTtlMs } from './create-key-service.js';
export type { CreateKeyInput, KeyService, ServingKeyService } from './create-key-service.js';
