import type { Endpoint } from '../../../catalog/catalog-types.js';
import type { ChatRequest, Warning } from '../../../spec/index.js';
import type { UpstreamRequest } from '../../adapter-types.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { serialiseBody } from '../../shared/serialise-body.js';
import { convertContents } from './convert-contents.js';
import { convertGenerationConfig } from './convert-generation-config.js';
import { convertTools } from './convert-tools.js';

/** Fields a passthrough value may never set: the gateway builds them from the canonical request. */
const protectedFields = new Set(['contents', 'systemInstruction', 'generationConfig', 'tools', 'toolConfig']);

/** The upstream request plus the settings Gemini cannot honour exactly. */
export interface GeminiUpstreamRequest extends UpstreamRequest {
  readonly warnings: readonly Warning[];
}

/**
 * Canonical request → Gemini `generateContent` (or `streamGenerateContent?alt=sse` when streaming;
 * each SSE event is then a whole GenerateContentResponse). Gemini always reports usage, so there is
 * nothing to ask for. `user` has no Gemini field and is left out without a warning: it is an
 * end-user id for abuse tracking, not a generation setting.
 */
export function buildRequest(request: ChatRequest, endpoint: Endpoint): GeminiUpstreamRequest {
  const warnings: Warning[] = [];
  const { systemInstruction, contents } = convertContents(request.messages, warnings);
  const body: JsonObject = { contents };
  if (systemInstruction !== undefined) body['systemInstruction'] = systemInstruction;
  const generationConfig = convertGenerationConfig(request, warnings);
  if (generationConfig !== undefined) body['generationConfig'] = generationConfig;
  Object.assign(body, convertTools(request, warnings));
  copyPassthrough(request.passthrough, body, warnings);
  const method = request.stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  return {
    // One encoded segment: a passthrough model name is the client's text, which must not pick the URL (PRODUCT.md §7).
    path: `/models/${encodeURIComponent(endpoint.upstreamModel)}:${method}`,
    body: serialiseBody(body, request.textLiterals),
    headers: { 'content-type': 'application/json' },
    warnings,
  };
}

/**
 * Provider-specific fields (`safetySettings`, `cachedContent`, `labels`, …) are forwarded when the
 * client spoke Gemini; fields from another protocol cannot mean anything here and are dropped.
 */
function copyPassthrough(passthrough: ChatRequest['passthrough'], body: JsonObject, warnings: Warning[]): void {
  for (const [key, value] of Object.entries(passthrough.fields)) {
    if (passthrough.protocol !== 'gemini') {
      warnings.push({
        type: 'unsupported-setting',
        setting: key,
        details: `a ${passthrough.protocol} parameter, not forwarded to a gemini upstream`,
      });
    } else if (!protectedFields.has(key)) {
      body[key] = value;
    }
  }
}
