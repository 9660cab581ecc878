import type { GatewayError } from '../../../errors/index.js';
import type { BilledUsage, ChatRequest, StreamEvent } from '../../../spec/index.js';
import type { ResponseMeta, StreamRenderer } from '../../adapter-types.js';
import { renderFinishReason, renderUsage } from './render-usage.js';

const done = 'data: [DONE]\n\n';

/**
 * Renders canonical events as OpenAI `chat.completion.chunk` SSE frames. The chunk
 * envelope is serialised once per stream; each frame only serialises its `choices`.
 * The usage chunk (`choices: []`) is sent only when the client asked for it.
 */
export function createStreamRenderer(request: ChatRequest, meta: ResponseMeta): StreamRenderer {
  const head = `data: {"id":${JSON.stringify(meta.generationId)},"object":"chat.completion.chunk","created":${meta.createdSeconds},"model":${JSON.stringify(meta.model)},"provider":${JSON.stringify(meta.providerName)},"choices":`;
  const choicesWithRole = new Set<number>();
  const isReasoningShown = request.reasoning?.exclude !== true;
  /** `choice:index` of the custom tools' calls, whose deltas are `custom.input` rather than `function.arguments`. */
  const customToolCalls = new Set<string>();

  function frame(choice: number, delta: Record<string, unknown>, extra?: Record<string, unknown>): string {
    if (!choicesWithRole.has(choice)) {
      choicesWithRole.add(choice);
      delta = { role: 'assistant', ...delta };
    }
    return `${head}${JSON.stringify([{ index: choice, delta, finish_reason: null, ...extra }])}}\n\n`;
  }

  /** The hot path: a text or reasoning delta after the role was sent, built without intermediate objects. */
  function deltaFrame(choice: number, fields: string): string {
    return `${head}[{"index":${choice},"delta":{${fields}},"finish_reason":null}]}\n\n`;
  }

  function renderEvent(event: StreamEvent): string {
    switch (event.type) {
      case 'text-delta':
        if (event.logprobs === undefined && choicesWithRole.has(event.choice)) {
          return deltaFrame(event.choice, `"content":${JSON.stringify(event.delta)}`);
        }
        return frame(
          event.choice,
          { content: event.delta },
          event.logprobs === undefined ? undefined : { logprobs: event.logprobs },
        );
      case 'reasoning-delta': {
        if (!isReasoningShown) return '';
        if (!choicesWithRole.has(event.choice)) {
          return frame(event.choice, { reasoning: event.delta, reasoning_content: event.delta });
        }
        const text = JSON.stringify(event.delta);
        return deltaFrame(event.choice, `"reasoning":${text},"reasoning_content":${text}`);
      }
      case 'refusal-delta':
        return frame(event.choice, { refusal: event.delta });
      case 'tool-call-start': {
        const { toolCallIndex: index, toolCallId: id, toolName: name } = event;
        if (event.isCustom === true) customToolCalls.add(`${event.choice}:${index}`);
        return frame(event.choice, {
          tool_calls: [
            event.isCustom === true
              ? { index, id, type: 'custom', custom: { name, input: '' } }
              : { index, id, type: 'function', function: { name, arguments: '' } },
          ],
        });
      }
      case 'tool-call-delta': {
        const index = event.toolCallIndex;
        return frame(event.choice, {
          tool_calls: [
            customToolCalls.has(`${event.choice}:${index}`)
              ? { index, custom: { input: event.argumentsDelta } }
              : { index, function: { arguments: event.argumentsDelta } },
          ],
        });
      }
      case 'finish':
        return frame(event.choice, {}, { finish_reason: renderFinishReason(event.finishReason) });
      case 'response-start':
      case 'reasoning-signature':
      case 'citation-delta':
      case 'opaque-part':
      case 'usage':
      case 'error':
        return '';
      default: {
        const exhausted: never = event;
        return exhausted;
      }
    }
  }

  function renderUsageChunk(billed: BilledUsage | undefined): string {
    return request.includeUsage && billed !== undefined
      ? `${head}[],"usage":${JSON.stringify(renderUsage(billed))}}\n\n`
      : '';
  }

  return {
    renderEvent,
    renderEnd: (billed) => renderUsageChunk(billed) + done,
    renderError: (error: GatewayError, billed) => {
      const errorFrame = `${head}${JSON.stringify([{ index: 0, delta: { content: '' }, finish_reason: 'error' }])},"error":${JSON.stringify({ code: error.code, message: error.expose ? error.message : 'The gateway hit an internal error.' })}}\n\n`;
      return errorFrame + renderUsageChunk(billed) + done;
    },
    renderHeartbeat: () => ': keep-alive\n\n',
  };
}
