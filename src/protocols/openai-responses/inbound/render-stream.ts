import type { GatewayError } from '../../../errors/index.js';
import type { BilledUsage, ChatRequest, FinishReason, StreamEvent } from '../../../spec/index.js';
import type { ResponseMeta, StreamRenderer } from '../../adapter-types.js';
import { renderEnvelope, statusOf } from './render-envelope.js';
import type { ResponseStatus } from './render-envelope.js';
import type { ResponseItemMemory } from '../item-memory.js';
import { rememberItems } from './remember-items.js';
import {
  itemId,
  renderBlockItem,
  renderMessageItem,
  renderReasoningItem,
  renderToolCallItem,
} from './render-response.js';
import { isCarriedBlock } from './encrypted-content.js';

/**
 * The output item being streamed: text and reasoning are one item at a time; tool calls stay open until the end, as
 * an OpenAI-compatible server may stream a call's arguments on after some text.
 */
type OpenItem =
  | {
      kind: 'message';
      id: string;
      index: number;
      part: 'output_text' | 'refusal' | undefined;
      texts: string[];
      content: Record<string, unknown>[];
      /** The current part's delta event up to its `"delta":` value, written once per part. */
      deltaHead: string;
    }
  | {
      kind: 'reasoning';
      id: string;
      index: number;
      texts: string[];
      hasPart: boolean;
      deltaHead: string;
      signature: string | undefined;
      block: number | undefined;
    }
  | {
      kind: 'function_call';
      id: string;
      index: number;
      callId: string;
      name: string;
      isCustom: boolean;
      args: string[];
    };

/**
 * Renders canonical events as OpenAI Responses SSE events (`event: <type>` + `data: {…, sequence_number}`):
 * `response.created` and `response.in_progress` first; each output item opened with `output_item.added` (and
 * `content_part.added`), filled by deltas, closed with its `.done` events and `output_item.done`; then
 * `response.completed` (or `response.incomplete`) with every item and the usage. A failure after output ends the
 * stream with `error` and `response.failed`.
 */
export function createStreamRenderer(
  request: ChatRequest,
  meta: ResponseMeta,
  memory: ResponseItemMemory,
): StreamRenderer {
  let sequence = 0;
  const isSummary = request.reasoning?.summary === true;
  let isStarted = false;
  let finishReason: FinishReason | undefined;
  /** Closed items by output index (a tool call closes after the text that followed it). */
  const doneItems: Record<string, unknown>[] = [];
  let current: OpenItem | undefined;
  const toolCalls = new Map<number, Extract<OpenItem, { kind: 'function_call' }>>();
  let nextIndex = 0;

  /** The closed items in output order (an array's holes skipped: items still open). */
  function outputItems(): Record<string, unknown>[] {
    return doneItems.filter((item) => item !== undefined);
  }

  function frame(type: string, fields: Record<string, unknown>): string {
    const data = JSON.stringify({ type, ...fields, sequence_number: sequence++ });
    return `event: ${type}\ndata: ${data}\n\n`;
  }

  function envelope(
    status: ResponseStatus,
    billed: BilledUsage | undefined,
    error?: { code: string; message: string },
  ) {
    return renderEnvelope({ meta, request, status, output: outputItems(), billed, finishReason, error });
  }

  /** A delta event up to its `"delta":` value (the same JSON `frame` would write), made once per content part. */
  function deltaHeadOf(type: string, item: { readonly id: string; readonly index: number }, place: string): string {
    return `event: ${type}\ndata: {"type":"${type}","item_id":${JSON.stringify(item.id)},"output_index":${item.index},${place},"delta":`;
  }

  /** The hot path: one delta event, its head made when its part opened (no intermediate object). */
  function deltaFrame(deltaHead: string, delta: string, tail: string): string {
    return `${deltaHead}${JSON.stringify(delta)}${tail},"sequence_number":${sequence++}}\n\n`;
  }

  function start(): string {
    if (isStarted) return '';
    isStarted = true;
    const response = envelope('in_progress', undefined);
    return frame('response.created', { response }) + frame('response.in_progress', { response });
  }

  function openMessage(part: 'output_text' | 'refusal'): string {
    let out = '';
    if (current?.kind !== 'message') {
      out += closeCurrent();
      const index = nextIndex++;
      const id = itemId('msg', meta, index);
      current = { kind: 'message', id, index, part: undefined, texts: [], content: [], deltaHead: '' };
      const item = renderMessageItem([], meta, index, 'in_progress');
      out += frame('response.output_item.added', { output_index: index, item });
    }
    if (current.part !== part) {
      out += closePart(current);
      current.part = part;
      const type = part === 'output_text' ? 'response.output_text.delta' : 'response.refusal.delta';
      current.deltaHead = deltaHeadOf(type, current, `"content_index":${current.content.length}`);
      const added =
        part === 'output_text' ? { type: part, text: '', annotations: [], logprobs: [] } : { type: part, refusal: '' };
      out += frame('response.content_part.added', { ...partPlace(current), part: added });
    }
    return out;
  }

  function partPlace(item: Extract<OpenItem, { kind: 'message' }>): Record<string, unknown> {
    return { item_id: item.id, output_index: item.index, content_index: item.content.length };
  }

  function closePart(item: Extract<OpenItem, { kind: 'message' }>): string {
    if (item.part === undefined) return '';
    const text = item.texts.join('');
    item.texts = [];
    const place = partPlace(item);
    const isText = item.part === 'output_text';
    const part = isText
      ? { type: 'output_text', text, annotations: [], logprobs: [] }
      : { type: 'refusal', refusal: text };
    item.content.push(part);
    item.part = undefined;
    return (
      (isText
        ? frame('response.output_text.done', { ...place, text, logprobs: [] })
        : frame('response.refusal.done', { ...place, refusal: text })) +
      frame('response.content_part.done', { ...place, part })
    );
  }

  function openReasoning(block: number | undefined): string {
    if (current?.kind === 'reasoning' && current.block === block) return '';
    const out = closeCurrent();
    const index = nextIndex++;
    current = {
      kind: 'reasoning',
      id: itemId('rs', meta, index),
      index,
      texts: [],
      hasPart: false,
      deltaHead: '',
      signature: undefined,
      block,
    };
    const item = { type: 'reasoning', id: current.id, summary: [], content: [], status: 'in_progress' };
    return out + frame('response.output_item.added', { output_index: index, item });
  }

  /** Closes the text or reasoning item in progress; `isFailed`: the stream failed, so a message is incomplete. */
  function closeCurrent(isFailed = false): string {
    const item = current;
    if (item === undefined) return '';
    current = undefined;
    if (item.kind === 'message') {
      const out = closePart(item);
      // Closed by a cut (token bound, content filter), the message is incomplete, as OpenAI marks it.
      const itemStatus = isFailed || statusOf(finishReason) === 'incomplete' ? 'incomplete' : 'completed';
      const done = renderMessageItem(item.content, meta, item.index, itemStatus);
      doneItems[item.index] = done;
      return out + frame('response.output_item.done', { output_index: item.index, item: done });
    }
    if (item.kind !== 'reasoning') return '';
    const text = item.texts.join('');
    const done = renderReasoningItem(text, item.signature, meta.upstreamProtocol, meta, item.index, isSummary);
    doneItems[item.index] = done;
    const textDone = item.hasPart ? renderReasoningTextDone(item, text) : '';
    return textDone + frame('response.output_item.done', { output_index: item.index, item: done });
  }

  function reasoningPlace(item: Extract<OpenItem, { kind: 'reasoning' }>): Record<string, unknown> {
    const place = { item_id: item.id, output_index: item.index };
    return isSummary ? { ...place, summary_index: 0 } : { ...place, content_index: 0 };
  }

  /** The reasoning text's end: as the summary clients display (`reasoning.summary`), or as reasoning_text content. */
  function renderReasoningTextDone(item: Extract<OpenItem, { kind: 'reasoning' }>, text: string): string {
    const place = reasoningPlace(item);
    return isSummary
      ? frame('response.reasoning_summary_text.done', { ...place, text }) +
          frame('response.reasoning_summary_part.done', { ...place, part: { type: 'summary_text', text } })
      : frame('response.reasoning_text.done', { ...place, text }) +
          frame('response.content_part.done', { ...place, part: { type: 'reasoning_text', text } });
  }

  /** An item that arrives whole: added and done at once. */
  function renderWholeItem(item: Record<string, unknown>, index: number): string {
    doneItems[index] = item;
    const place = { output_index: index };
    return (
      frame('response.output_item.added', { ...place, item }) + frame('response.output_item.done', { ...place, item })
    );
  }

  /** Closes the tool calls in progress; `isFailed`: the stream failed, so their arguments may be cut (incomplete). */
  function closeToolCalls(isFailed = false): string {
    let out = '';
    for (const call of toolCalls.values()) {
      const args = call.args.join('');
      const done = renderToolCallItem(call, args, isFailed ? 'incomplete' : 'completed');
      doneItems[call.index] = done;
      const place = { item_id: call.id, output_index: call.index };
      out +=
        (call.isCustom
          ? frame('response.custom_tool_call_input.done', { ...place, input: args })
          : frame('response.function_call_arguments.done', { ...place, name: call.name, arguments: args })) +
        frame('response.output_item.done', { output_index: call.index, item: done });
    }
    toolCalls.clear();
    return out;
  }

  function renderEvent(event: StreamEvent): string {
    const head = start();
    switch (event.type) {
      case 'text-delta':
      case 'refusal-delta': {
        if (event.choice !== 0) return head;
        const part = event.type === 'text-delta' ? 'output_text' : 'refusal';
        const out = head + openMessage(part);
        const item = current as Extract<OpenItem, { kind: 'message' }>;
        item.texts.push(event.delta);
        return out + deltaFrame(item.deltaHead, event.delta, part === 'output_text' ? ',"logprobs":[]' : '');
      }
      case 'reasoning-delta': {
        if (event.choice !== 0 || !meta.isReasoningShown) return head;
        let out = head + openReasoning(event.block);
        const item = current as Extract<OpenItem, { kind: 'reasoning' }>;
        if (!item.hasPart) {
          item.hasPart = true;
          item.deltaHead = isSummary
            ? deltaHeadOf('response.reasoning_summary_text.delta', item, '"summary_index":0')
            : deltaHeadOf('response.reasoning_text.delta', item, '"content_index":0');
          out += isSummary
            ? frame('response.reasoning_summary_part.added', {
                ...reasoningPlace(item),
                part: { type: 'summary_text', text: '' },
              })
            : frame('response.content_part.added', {
                ...reasoningPlace(item),
                part: { type: 'reasoning_text', text: '' },
              });
        }
        item.texts.push(event.delta);
        return out + deltaFrame(item.deltaHead, event.delta, '');
      }
      case 'reasoning-signature': {
        if (event.choice !== 0 || !meta.isReasoningShown) return head;
        const out = head + (current?.kind === 'reasoning' ? '' : openReasoning(event.block));
        (current as Extract<OpenItem, { kind: 'reasoning' }>).signature = event.signature;
        return out;
      }
      case 'tool-call-start': {
        if (event.choice !== 0) return head;
        const out = head + closeCurrent();
        const index = nextIndex++;
        const isCustom = event.isCustom === true;
        const call = {
          kind: 'function_call' as const,
          id: itemId(isCustom ? 'ctc' : 'fc', meta, index),
          index,
          callId: event.toolCallId,
          name: event.toolName,
          isCustom,
          args: [],
        };
        toolCalls.set(event.toolCallIndex, call);
        const item = renderToolCallItem(call, '', 'in_progress');
        return out + frame('response.output_item.added', { output_index: index, item });
      }
      case 'tool-call-delta': {
        const call = event.choice === 0 ? toolCalls.get(event.toolCallIndex) : undefined;
        if (call === undefined) return head;
        call.args.push(event.argumentsDelta);
        const type = call.isCustom ? 'response.custom_tool_call_input.delta' : 'response.function_call_arguments.delta';
        return head + frame(type, { item_id: call.id, output_index: call.index, delta: event.argumentsDelta });
      }
      case 'finish':
        if (event.choice !== 0) return head;
        finishReason = event.finishReason;
        return head + closeCurrent() + closeToolCalls();
      case 'opaque-part': {
        const part = { type: 'opaque' as const, protocol: event.protocol, value: event.value };
        if (event.choice !== 0 || !meta.isReasoningShown || !isCarriedBlock(part)) return head;
        const index = nextIndex++;
        return head + closeCurrent() + renderWholeItem(renderBlockItem(part, meta, index), index);
      }
      case 'response-start':
      case 'citation-delta':
      case 'usage':
      case 'error':
        return head;
      default: {
        const exhausted: never = event;
        return exhausted;
      }
    }
  }

  return {
    renderEvent,
    renderEnd: (billed) => {
      const out = start() + closeCurrent() + closeToolCalls();
      rememberItems(outputItems(), memory, meta.orgId);
      const status = statusOf(finishReason);
      const type = status === 'incomplete' ? 'response.incomplete' : 'response.completed';
      return out + frame(type, { response: envelope(status, billed) });
    },
    renderError: (error: GatewayError, billed) => {
      const message = error.expose ? error.message : 'The gateway hit an internal error.';
      const out = start() + closeCurrent(true) + closeToolCalls(true);
      rememberItems(outputItems(), memory, meta.orgId);
      const isRateLimit = error.code === 'rate_limited' || error.code === 'upstream_rate_limited';
      const failed = { code: isRateLimit ? 'rate_limit_exceeded' : 'server_error', message };
      return (
        out +
        frame('error', { code: error.code, message, param: null }) +
        frame('response.failed', { response: envelope('failed', billed, failed) })
      );
    },
    renderHeartbeat: () => ': keep-alive\n\n',
  };
}
