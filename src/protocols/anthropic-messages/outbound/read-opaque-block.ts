import { isObject } from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';

/** A streamed content block the canonical model does not know, gathered until its `content_block_stop`. */
export interface OpaqueBlock {
  /** One `input_json_delta` of the block (a server tool call streams its input like a tool_use). */
  appendInput(json: string): void;
  /** The block as a non-streaming response would hold it. */
  finish(): JsonObject;
}

/**
 * Gathers an opaque block (`redacted_thinking`, `server_tool_use`, `web_search_tool_result`, …) from its
 * `content_block_start` and the input deltas that follow. Input that does not parse as a JSON object leaves the
 * block's opening `input` as it was.
 */
export function createOpaqueBlock(start: JsonObject): OpaqueBlock {
  const inputParts: string[] = [];
  return {
    appendInput: (json) => inputParts.push(json),
    finish: () => {
      if (inputParts.length === 0) return start;
      const input = parseInput(inputParts.join(''));
      return input === undefined ? start : { ...start, input };
    },
  };
}

function parseInput(json: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
