import type { FinishReason, StreamEvent, Usage } from '../spec/index.js';
import { createDeliveredOutput } from './settle-generation.js';
import type { DeliveredOutput } from './settle-generation.js';

/** What the pipeline learns from a stream's events, for metering and the generation record. */
export interface StreamState {
  readonly delivered: DeliveredOutput;
  usage: Usage | undefined;
  finishReason: FinishReason | undefined;
  upstreamId: string | undefined;
  /** The first upstream error event, if any. */
  error: Extract<StreamEvent, { type: 'error' }> | undefined;
  hasOutput: boolean;
}

export function createStreamState(): StreamState {
  return {
    delivered: createDeliveredOutput(),
    usage: undefined,
    finishReason: undefined,
    upstreamId: undefined,
    error: undefined,
    hasOutput: false,
  };
}

/** Folds one event into the state. Output events are the ones that commit a 200 to the client. */
export function trackStreamEvent(state: StreamState, event: StreamEvent): void {
  switch (event.type) {
    case 'response-start':
      state.upstreamId = event.upstreamId;
      return;
    case 'text-delta':
      state.delivered.text.push(event.delta);
      state.hasOutput = true;
      return;
    case 'reasoning-delta':
      state.delivered.reasoning.push(event.delta);
      state.hasOutput = true;
      return;
    case 'refusal-delta':
      state.delivered.text.push(event.delta);
      state.hasOutput = true;
      return;
    case 'tool-call-start':
      state.hasOutput = true;
      return;
    case 'tool-call-delta':
      state.delivered.toolArguments.push(event.argumentsDelta);
      state.hasOutput = true;
      return;
    case 'reasoning-signature':
    case 'citation-delta':
    case 'opaque-part':
      // Not output by themselves: before the first output event they wait with the other pending events.
      return;
    case 'finish':
      if (event.choice === 0 || state.finishReason === undefined) state.finishReason = event.finishReason;
      state.hasOutput = true;
      return;
    case 'usage':
      state.usage = event.usage;
      return;
    case 'error':
      state.error ??= event;
      return;
    default: {
      const exhausted: never = event;
      throw new Error(`unknown stream event ${String(exhausted)}`);
    }
  }
}
