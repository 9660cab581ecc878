import { describe, expect, it } from 'vitest';
import { mapStopReason } from './map-stop-reason.js';

describe('mapStopReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool-calls'],
    ['refusal', 'content-filter'],
    ['pause_turn', 'other'],
    ['something_new', 'other'],
  ] as const)('%s → %s, keeping the raw value', (raw, unified) => {
    expect(mapStopReason(raw)).toEqual({ unified, raw });
  });

  it.each([[null], [undefined], [3]])('%j → other with no raw value', (raw) => {
    expect(mapStopReason(raw)).toEqual({ unified: 'other', raw: undefined });
  });
});
