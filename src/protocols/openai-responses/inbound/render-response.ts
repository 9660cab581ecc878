import type {
  AssistantPart,
  BilledUsage,
  ChatChoice,
  ChatRequest,
  ChatResult,
  OpaquePart,
  ProtocolId,
  ReasoningPart,
} from '../../../spec/index.js';
import type { ResponseMeta } from '../../adapter-types.js';
import type { ResponseItemMemory } from '../item-memory.js';
import { isCarriedBlock, tagEncryptedContent, tagOpaqueBlock } from './encrypted-content.js';
import { rememberItems } from './remember-items.js';
import { renderEnvelope, statusOf } from './render-envelope.js';

/** Canonical result → an OpenAI Responses `response` JSON text: its first choice as output items, in order. */
export function renderResponse(
  result: ChatResult,
  billed: BilledUsage,
  meta: ResponseMeta,
  request: ChatRequest,
  memory: ResponseItemMemory,
): string {
  const choice = result.choices[0];
  const output = choice === undefined ? [] : renderOutputItems(choice, meta, request.reasoning?.summary === true);
  rememberItems(output, memory, meta.orgId);
  const status = statusOf(choice?.finishReason);
  return JSON.stringify(renderEnvelope({ meta, request, status, output, billed, finishReason: choice?.finishReason }));
}

/** Item ids: the generation id, the item's kind and its position, so a replayed answer keeps them. */
export function itemId(kind: 'msg' | 'rs' | 'fc' | 'ctc', meta: ResponseMeta, outputIndex: number): string {
  return `${kind}_${meta.generationId}_${outputIndex}`;
}

/**
 * Parts in a row of one kind become one item, their texts joined (an upstream may split them: Gemini sends each
 * piece as a part, its thought signature as a part of its own): text → a message, reasoning → a reasoning item with
 * its signature in `encrypted_content` (a second signature starts another item: each signs its own block, as two
 * Anthropic thinking blocks); each tool call is a function_call item. A refusal ends the message.
 */
function renderOutputItems(choice: ChatChoice, meta: ResponseMeta, isSummary: boolean): Record<string, unknown>[] {
  const { content: parts, refusal } = choice;
  // A cut answer (token bound, content filter): its message is incomplete, as OpenAI marks it.
  const messageStatus = statusOf(choice.finishReason) === 'incomplete' ? 'incomplete' : 'completed';
  const items: Record<string, unknown>[] = [];
  let run: { kind: 'text' | 'reasoning'; texts: string[]; signature?: ReasoningPart } | undefined;
  const closeRun = (): void => {
    if (run === undefined) return;
    const text = run.texts.join('');
    items.push(
      run.kind === 'text'
        ? renderMessageItem(
            [{ type: 'output_text', text, annotations: [], logprobs: [] }],
            meta,
            items.length,
            messageStatus,
          )
        : renderReasoningItem(
            text,
            run.signature?.signature,
            run.signature?.signatureProtocol ?? meta.upstreamProtocol,
            meta,
            items.length,
            isSummary,
          ),
    );
    run = undefined;
  };
  for (const part of parts) {
    const kind = part.type === 'text' || (part.type === 'reasoning' && meta.isReasoningShown) ? part.type : undefined;
    const signed = signedReasoning(part);
    if (kind !== run?.kind || (signed !== undefined && run?.signature !== undefined)) closeRun();
    if (part.type === 'text' || (part.type === 'reasoning' && kind !== undefined)) {
      run ??= { kind: part.type, texts: [] };
      run.texts.push(part.text);
      if (signed !== undefined) run.signature = signed;
    } else if (part.type === 'tool-call') {
      const isCustom = part.isCustom === true;
      const id = itemId(isCustom ? 'ctc' : 'fc', meta, items.length);
      items.push(renderToolCallItem({ id, callId: part.toolCallId, name: part.toolName, isCustom }, part.arguments));
    } else if (part.type === 'opaque' && meta.isReasoningShown && isCarriedBlock(part)) {
      items.push(renderBlockItem(part, meta, items.length));
    }
  }
  closeRun();
  if (refusal !== undefined) {
    items.push(renderMessageItem([{ type: 'refusal', refusal }], meta, items.length, messageStatus));
  }
  return items;
}

function signedReasoning(part: AssistantPart): ReasoningPart | undefined {
  return part.type === 'reasoning' && part.signature !== undefined && part.signature !== '' ? part : undefined;
}

/** A function call (`arguments`: JSON text) or a custom tool's call (`input`: free-form text). */
export function renderToolCallItem(
  call: { readonly id: string; readonly callId: string; readonly name: string; readonly isCustom: boolean },
  text: string,
  status: 'in_progress' | 'completed' | 'incomplete' = 'completed',
): Record<string, unknown> {
  const { id, callId: call_id, name } = call;
  return call.isCustom
    ? { type: 'custom_tool_call', id, call_id, name, input: text }
    : { type: 'function_call', id, call_id, name, arguments: text, status };
}

export function renderMessageItem(
  content: readonly Record<string, unknown>[],
  meta: ResponseMeta,
  outputIndex: number,
  status: 'in_progress' | 'completed' | 'incomplete',
): Record<string, unknown> {
  return { type: 'message', id: itemId('msg', meta, outputIndex), status, role: 'assistant', content };
}

/** A block the canonical model does not hold (Anthropic `redacted_thinking`), as a reasoning item carrying it whole. */
export function renderBlockItem(part: OpaquePart, meta: ResponseMeta, outputIndex: number): Record<string, unknown> {
  const encrypted_content = tagOpaqueBlock(part);
  return {
    type: 'reasoning',
    id: itemId('rs', meta, outputIndex),
    summary: [],
    content: [],
    encrypted_content,
    status: 'completed',
  };
}

export function renderReasoningItem(
  text: string,
  signature: string | undefined,
  signatureProtocol: ProtocolId,
  meta: ResponseMeta,
  outputIndex: number,
  isSummary: boolean,
): Record<string, unknown> {
  // Asked for a summary (`reasoning.summary`), the text is the summary clients display; else the reasoning itself.
  const parts = text === '' ? [] : [{ type: isSummary ? 'summary_text' : 'reasoning_text', text }];
  return {
    type: 'reasoning',
    id: itemId('rs', meta, outputIndex),
    summary: isSummary ? parts : [],
    content: isSummary ? [] : parts,
    ...(signature === undefined || signature === ''
      ? {}
      : { encrypted_content: tagEncryptedContent(signature, signatureProtocol, text) }),
    status: 'completed',
  };
}
