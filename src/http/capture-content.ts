import type { ChatRequest, ChatResult, StreamEvent } from '../spec/index.js';
import type { GenerationContent } from '../storage/index.js';

/** A logged part: the model's text, or a tool call with its arguments exactly as produced. */
type LoggedPart =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool-call'; readonly toolCallId: string; readonly toolName: string; readonly arguments: string };

/** One logged choice: its text and tool calls in the order the model produced them, and its refusal if any. */
interface LoggedChoice {
  readonly index: number;
  readonly content: readonly LoggedPart[];
  readonly refusal?: string;
}

/**
 * What prompt logging stores for a non-streaming call of an org that opted in: the canonical request's messages and
 * the result's text and tool calls (reasoning and provider-opaque parts are not logged).
 */
export function captureResultContent(request: ChatRequest, result: ChatResult): GenerationContent {
  const choices = result.choices.map((choice): LoggedChoice => {
    const content: LoggedPart[] = [];
    for (const part of choice.content) {
      if (part.type === 'text') content.push({ type: 'text', text: part.text });
      else if (part.type === 'tool-call') content.push(toToolPart(part.toolCallId, part.toolName, part.arguments));
    }
    return renderChoice(choice.index, content, choice.refusal ?? '');
  });
  return renderContent(request, choices);
}

/** Accumulates a stream's text and tool calls; created only for calls whose org logs them (no cost otherwise). */
export interface StreamContentCapture {
  track(event: StreamEvent): void;
  /** The same shape as {@link captureResultContent} gives for the equivalent non-streaming call. */
  finish(request: ChatRequest): GenerationContent;
}

interface ChoiceBuilder {
  readonly content: LoggedPart[];
  /** Position in `content` of each tool call, by its `toolCallIndex`. */
  readonly toolPositions: Map<number, number>;
  refusal: string;
}

export function createStreamContentCapture(): StreamContentCapture {
  const choices = new Map<number, ChoiceBuilder>();
  const choiceAt = (index: number): ChoiceBuilder => {
    let choice = choices.get(index);
    if (choice === undefined) {
      choice = { content: [], toolPositions: new Map(), refusal: '' };
      choices.set(index, choice);
    }
    return choice;
  };
  return {
    track(event) {
      if (event.type === 'text-delta') appendText(choiceAt(event.choice), event.delta);
      else if (event.type === 'refusal-delta') choiceAt(event.choice).refusal += event.delta;
      else if (event.type === 'tool-call-start') {
        const choice = choiceAt(event.choice);
        choice.toolPositions.set(event.toolCallIndex, choice.content.length);
        choice.content.push(toToolPart(event.toolCallId, event.toolName, ''));
      } else if (event.type === 'tool-call-delta') appendArguments(choiceAt(event.choice), event);
    },
    finish(request) {
      const ordered = [...choices.entries()].sort(([left], [right]) => left - right);
      return renderContent(
        request,
        ordered.map(([index, choice]) => renderChoice(index, choice.content, choice.refusal)),
      );
    },
  };
}

function appendText(choice: ChoiceBuilder, delta: string): void {
  const last = choice.content.at(-1);
  if (last?.type === 'text') choice.content[choice.content.length - 1] = { type: 'text', text: last.text + delta };
  else choice.content.push({ type: 'text', text: delta });
}

function appendArguments(
  choice: ChoiceBuilder,
  event: { readonly toolCallIndex: number; readonly argumentsDelta: string },
) {
  const position = choice.toolPositions.get(event.toolCallIndex);
  const part = position === undefined ? undefined : choice.content[position];
  // Adapters send `tool-call-start` first (spec/stream-event.ts); a delta without one has nothing to attach to.
  if (position === undefined || part?.type !== 'tool-call') return;
  choice.content[position] = { ...part, arguments: part.arguments + event.argumentsDelta };
}

function toToolPart(toolCallId: string, toolName: string, toolArguments: string): LoggedPart {
  return { type: 'tool-call', toolCallId, toolName, arguments: toolArguments };
}

function renderChoice(index: number, content: readonly LoggedPart[], refusal: string): LoggedChoice {
  return refusal === '' ? { index, content } : { index, content, refusal };
}

function renderContent(request: ChatRequest, choices: readonly LoggedChoice[]): GenerationContent {
  return { promptJson: JSON.stringify(request.messages), completionJson: JSON.stringify(choices) };
}
