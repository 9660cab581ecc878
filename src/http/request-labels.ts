import type { ServerResponse } from 'node:http';
import type { GenerationRecord } from '../storage/index.js';

/** What the metrics need to know about a model call once its response is closed. */
export interface RequestLabels {
  readonly model: string;
  readonly provider: string;
  readonly origin: string;
  readonly ending: string;
  /** Arrival to first output byte; undefined for JSON answers and streams without output. */
  readonly ttftMs: number | undefined;
}

const labelsByResponse = new WeakMap<ServerResponse, RequestLabels>();

/** Called by the pipeline when a call's generation record is built. */
export function labelResponse(response: ServerResponse, record: GenerationRecord): void {
  labelsByResponse.set(response, {
    model: record.modelId,
    provider: record.providerId,
    origin: record.origin,
    ending: record.ending,
    ttftMs: record.ttftMs ?? undefined,
  });
}

export function readResponseLabels(response: ServerResponse): RequestLabels | undefined {
  return labelsByResponse.get(response);
}
