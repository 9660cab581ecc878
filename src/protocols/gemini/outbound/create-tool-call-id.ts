import { randomBytes } from 'node:crypto';

/** Names the id-less function calls of one Gemini response: `(candidate, position among its calls) → id`. */
export type ToolCallIdSource = (choice: number, toolCallIndex: number) => string;

/** Random bytes per response: 64 bits make two responses' ids collide about once in 2^32 pairs of responses. */
const nonceBytes = 8;

/**
 * Gemini may return a function call without an `id` (the 2.5 models do). The gateway then names it
 * `call_<nonce>_<candidate>_<position>`, the nonce drawn once per response (on its first id-less call), so ids
 * differ from one turn to the next: a conversation later sent to Anthropic, which refuses two `tool_use` blocks
 * with one id, keeps every call distinct. One source serves one response, JSON or stream, so a streamed call's
 * id is the same wherever it is repeated. Such a name is the gateway's, not Google's, so it is never sent back as
 * a `functionCall.id`/`functionResponse.id`.
 */
export function createToolCallIdSource(): ToolCallIdSource {
  let nonce: string | undefined;
  return (choice, toolCallIndex) => {
    nonce ??= randomBytes(nonceBytes).toString('hex');
    return `call_${nonce}_${choice}_${toolCallIndex}`;
  };
}

/** Ids this module makes, and the `call_<candidate>_<position>` of earlier versions still found in histories. */
const createdToolCallIdPattern = /^call_(?:[0-9a-f]{16}_)?\d+_\d+$/;

/** Whether an id is one `createToolCallIdSource` made (and so is not Google's). */
export function isCreatedToolCallId(id: string): boolean {
  return createdToolCallIdPattern.test(id);
}
