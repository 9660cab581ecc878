import type { ChatRequest, ReasoningOptions, ResponseFormat, Warning } from '../../../spec/index.js';
import type { JsonObject } from '../../shared/field-readers.js';

/**
 * Thinking budgets for an effort level. Gemini 2.5 takes only `thinkingBudget`; Gemini 3 prefers
 * `thinkingLevel` but accepts a budget for backwards compatibility, and rejects a request with
 * both. A budget therefore works on every thinking model without guessing the model family from
 * its name. The values are the ones Google's own OpenAI-compatible endpoint documents for
 * `reasoning_effort` (low 1024, medium 8192, high 24576); minimal is 512, the lowest budget every
 * 2.5 model accepts; 24576 is the largest 2.5 Flash accepts, so xhigh cannot go higher.
 */
const thinkingBudgetByEffort = {
  none: 0,
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24_576,
  xhigh: 24_576,
} as const satisfies Record<NonNullable<ReasoningOptions['effort']>, number>;

/** Canonical sampling, format and reasoning settings → Gemini `generationConfig`; undefined when empty. */
export function convertGenerationConfig(request: ChatRequest, warnings: Warning[]): JsonObject | undefined {
  const config: JsonObject = {};
  setIfDefined(config, 'maxOutputTokens', request.maxOutputTokens);
  setIfDefined(config, 'temperature', request.temperature);
  setIfDefined(config, 'topP', request.topP);
  setIfDefined(config, 'topK', request.topK);
  setIfDefined(config, 'stopSequences', request.stop);
  setIfDefined(config, 'seed', request.seed);
  setIfDefined(config, 'presencePenalty', request.presencePenalty);
  setIfDefined(config, 'frequencyPenalty', request.frequencyPenalty);
  setIfDefined(config, 'candidateCount', request.n);
  if (request.responseFormat !== undefined) Object.assign(config, convertResponseFormat(request.responseFormat));
  setIfDefined(config, 'thinkingConfig', convertThinking(request.reasoning, warnings));
  return Object.keys(config).length === 0 ? undefined : config;
}

function setIfDefined(target: JsonObject, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

/**
 * JSON Schema goes in `responseJsonSchema`, which takes JSON Schema as is; `responseSchema` takes
 * only Google's OpenAPI subset and would need a lossy translation.
 */
function convertResponseFormat(format: ResponseFormat): JsonObject {
  switch (format.type) {
    case 'text':
      return {};
    case 'json-object':
      return { responseMimeType: 'application/json' };
    case 'json-schema':
      return { responseMimeType: 'application/json', responseJsonSchema: format.schema };
    default: {
      const exhausted: never = format;
      return exhausted;
    }
  }
}

/**
 * Reasoning → `thinkingConfig`. An explicit token budget wins over an effort. Thoughts are
 * returned (`includeThoughts`) whenever reasoning is requested and not excluded; a zero budget
 * turns thinking off, so it asks for no thoughts.
 */
function convertThinking(reasoning: ReasoningOptions | undefined, warnings: Warning[]): JsonObject | undefined {
  if (reasoning === undefined) return undefined;
  const budget =
    reasoning.maxTokens ?? (reasoning.effort === undefined ? undefined : thinkingBudgetByEffort[reasoning.effort]);
  if (reasoning.maxTokens === undefined && reasoning.effort === 'xhigh') {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'reasoning.effort',
      details: `Gemini has no effort above high; xhigh sent as a ${thinkingBudgetByEffort.xhigh}-token thinking budget`,
    });
  }
  if (budget === 0) return { thinkingBudget: 0 };
  const config: JsonObject = {};
  setIfDefined(config, 'thinkingBudget', budget);
  if (reasoning.exclude !== true) config['includeThoughts'] = true;
  return Object.keys(config).length === 0 ? undefined : config;
}
