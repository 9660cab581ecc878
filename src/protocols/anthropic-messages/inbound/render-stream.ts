import type { GatewayError } from '../../../errors/index.js';
import type { BilledUsage, FinishReason, StreamEvent } from '../../../spec/index.js';
import type { ResponseMeta, StreamRenderer } from '../../adapter-types.js';
import { renderErrorObject } from './render-error.js';
import { tagSignature } from './signature-tag.js';
import { directCaller } from './render-content.js';
import { emptyMessageDetails, renderStartUsage, renderStopReason, renderUsage } from './render-usage.js';

type BlockKind = 'text' | 'thinking';

/** One SSE frame; Anthropic clients need the `event:` line on every frame. */
function frame(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/**
 * Renders canonical events as Anthropic Messages SSE: `message_start` (with an
 * estimated `input_tokens`), content blocks opened and closed around their deltas,
 * then `message_delta` with the stop reason (and stop sequence) and the exact final
 * usage, and `message_stop`. Upstream blocks stay apart (`block`), and blocks the
 * canonical model does not know come through whole from Anthropic upstreams.
 * Tool-use blocks stay open until the message ends, so parallel calls whose
 * argument deltas interleave still land in the right block. Only choice 0 exists
 * in this protocol.
 */
export function createStreamRenderer(_request: unknown, meta: ResponseMeta): StreamRenderer {
  let isStarted = false;
  let nextIndex = 0;
  let current: { readonly kind: BlockKind; readonly index: number; readonly block: number | undefined } | undefined;
  const toolBlocks = new Map<number, number>();
  let finishReason: FinishReason | undefined;
  let isRefusal = false;

  function start(): string {
    if (isStarted) return '';
    isStarted = true;
    const message = {
      id: meta.generationId,
      type: 'message',
      role: 'assistant',
      model: meta.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      ...emptyMessageDetails,
      usage: renderStartUsage(meta.estimatePromptTokens()),
    };
    // Anthropic's API sends a ping right after message_start; clients expect to skip it.
    return frame('message_start', { message }) + frame('ping', {});
  }

  function closeCurrent(): string {
    if (current === undefined) return '';
    const closed = frame('content_block_stop', { index: current.index });
    current = undefined;
    return closed;
  }

  function closeTools(): string {
    let frames = '';
    for (const index of toolBlocks.values()) frames += frame('content_block_stop', { index });
    toolBlocks.clear();
    return frames;
  }

  /** The open block, or a new one: another kind, or another upstream block (`block`), is another block. */
  function open(kind: BlockKind, block: number | undefined): string {
    if (current?.kind === kind && current.block === block) return '';
    const frames = closeCurrent() + closeTools();
    current = { kind, index: nextIndex++, block };
    const started =
      kind === 'text' ? { type: 'text', text: '', citations: null } : { type: 'thinking', thinking: '', signature: '' };
    return frames + frame('content_block_start', { index: current.index, content_block: started });
  }

  function delta(kind: BlockKind, block: number | undefined, delta: Record<string, unknown>): string {
    const opened = open(kind, block);
    return opened + frame('content_block_delta', { index: current?.index ?? 0, delta });
  }

  /** A block the upstream sent whole (`redacted_thinking`, a server tool's call or result): opened and closed at once. */
  function whole(block: unknown): string {
    const index = nextIndex++;
    return (
      closeCurrent() +
      closeTools() +
      frame('content_block_start', { index, content_block: block }) +
      frame('content_block_stop', { index })
    );
  }

  function renderBody(event: StreamEvent): string {
    switch (event.type) {
      case 'text-delta':
        return delta('text', event.block, { type: 'text_delta', text: event.delta });
      case 'refusal-delta':
        isRefusal = true;
        return delta('text', undefined, { type: 'text_delta', text: event.delta });
      case 'citation-delta':
        return delta('text', event.block, { type: 'citations_delta', citation: event.citation });
      case 'reasoning-delta':
        return meta.isReasoningShown
          ? delta('thinking', event.block, { type: 'thinking_delta', thinking: event.delta })
          : '';
      case 'reasoning-signature':
        return meta.isReasoningShown
          ? delta('thinking', event.block, {
              type: 'signature_delta',
              signature: tagSignature(event.signature, meta.upstreamProtocol),
            })
          : '';
      case 'opaque-part':
        return event.protocol === 'anthropic-messages' ? whole(event.value) : '';
      case 'tool-call-start': {
        const index = nextIndex++;
        toolBlocks.set(event.toolCallIndex, index);
        const block = { type: 'tool_use', id: event.toolCallId, name: event.toolName, input: {}, caller: directCaller };
        return closeCurrent() + frame('content_block_start', { index, content_block: block });
      }
      case 'tool-call-delta': {
        const index = toolBlocks.get(event.toolCallIndex);
        if (index === undefined || event.argumentsDelta === '') return '';
        return frame('content_block_delta', {
          index,
          delta: { type: 'input_json_delta', partial_json: event.argumentsDelta },
        });
      }
      case 'finish':
        finishReason = event.finishReason;
        return '';
      case 'response-start':
      case 'usage':
      case 'error':
        return '';
      default: {
        const exhausted: never = event;
        return exhausted;
      }
    }
  }

  function renderEvent(event: StreamEvent): string {
    if ('choice' in event && event.choice !== 0) return '';
    return start() + renderBody(event);
  }

  return {
    renderEvent,
    renderEnd: (billed: BilledUsage) =>
      start() +
      closeCurrent() +
      closeTools() +
      frame('message_delta', {
        delta: {
          stop_reason: renderStopReason(finishReason, isRefusal),
          stop_sequence: finishReason?.stopSequence ?? null,
          container: null,
          stop_details: null,
        },
        usage: renderUsage(billed),
      }) +
      frame('message_stop', {}),
    renderError: (error: GatewayError) =>
      start() + frame('error', { error: renderErrorObject(error), request_id: meta.requestId }),
    renderHeartbeat: () => frame('ping', {}),
  };
}
