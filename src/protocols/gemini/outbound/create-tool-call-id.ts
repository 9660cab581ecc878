/**
 * Gemini may return a function call without an `id` (the 2.5 models do). The gateway then names it
 * `call_<candidate>_<position>` so clients can pair results with calls; such a name is the
 * gateway's, not Google's, so it is never sent back as a `functionCall.id`/`functionResponse.id`.
 */
export function createToolCallId(choice: number, toolCallIndex: number): string {
  return `call_${choice}_${toolCallIndex}`;
}

const createdToolCallIdPattern = /^call_\d+_\d+$/;

/** Whether an id is one `createToolCallId` made (and so is not Google's). */
export function isCreatedToolCallId(id: string): boolean {
  return createdToolCallIdPattern.test(id);
}
