export { startSandboxServer, sandboxModels } from './start-sandbox-server.js';
export type { SandboxServer, SandboxServerOptions } from './start-sandbox-server.js';
export { countPromptTokens, countSandboxTokens } from './generate-reply.js';
