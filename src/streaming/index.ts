export { createSseParser } from './sse-parser.js';
export type { SseEvent, SseParser, SseParserOptions } from './sse-parser.js';
export { encodeSseComment, encodeSseEvent } from './sse-encoder.js';
