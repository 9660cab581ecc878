import type {
  AssistantPart,
  CacheControl,
  ImagePart,
  OpaquePart,
  ProtocolId,
  TextPart,
  ToolCallPart,
  UserPart,
  Warning,
} from '../../../spec/index.js';
import { isObject } from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';

/** `cache_control` as Anthropic spells it. */
export function convertCacheControl(cacheControl: CacheControl): JsonObject {
  return cacheControl.ttl === undefined
    ? { type: cacheControl.type }
    : { type: cacheControl.type, ttl: cacheControl.ttl };
}

function withCacheControl(block: JsonObject, cacheControl: CacheControl | undefined): JsonObject {
  return cacheControl === undefined ? block : { ...block, cache_control: convertCacheControl(cacheControl) };
}

export function convertTextPart(part: TextPart): JsonObject {
  return withCacheControl({ type: 'text', text: part.text }, part.cacheControl);
}

/** User content parts → Anthropic content blocks; parts Anthropic cannot take are dropped with a warning. */
export function convertUserParts(parts: readonly UserPart[], warnings: Warning[]): JsonObject[] {
  const blocks: JsonObject[] = [];
  for (const part of parts) {
    const block = convertUserPart(part, warnings);
    if (block !== undefined) blocks.push(block);
  }
  return blocks;
}

function convertUserPart(part: UserPart, warnings: Warning[]): JsonObject | undefined {
  switch (part.type) {
    case 'text':
      return convertTextPart(part);
    case 'image':
      return convertImage(part, warnings);
    case 'opaque':
      return convertOpaque(part, warnings);
    default: {
      const exhausted: never = part;
      return exhausted;
    }
  }
}

/**
 * Assistant parts → Anthropic content blocks. Empty text is dropped (Anthropic
 * rejects empty text blocks, and OpenAI clients send `content: ""` beside tool
 * calls). Reasoning without a signature is dropped too: Anthropic rejects a
 * `thinking` block it did not sign, and unsigned reasoning comes from other
 * vendors (DeepSeek, GLM over OpenAI) whose thoughts Claude cannot resume anyway.
 */
export function convertAssistantParts(parts: readonly AssistantPart[], warnings: Warning[]): JsonObject[] {
  const blocks: JsonObject[] = [];
  for (const part of parts) {
    const block = convertAssistantPart(part, warnings);
    if (block !== undefined) blocks.push(block);
  }
  return blocks;
}

function convertAssistantPart(part: AssistantPart, warnings: Warning[]): JsonObject | undefined {
  switch (part.type) {
    case 'text':
      return part.text === '' ? undefined : convertTextPart(part);
    case 'reasoning':
      return part.signature === undefined || part.signature === '' || isForeignSignature(part.signatureProtocol)
        ? undefined
        : { type: 'thinking', thinking: part.text, signature: part.signature };
    case 'tool-call':
      return convertToolCall(part, warnings);
    case 'opaque':
      return convertOpaque(part, warnings);
    default: {
      const exhausted: never = part;
      return exhausted;
    }
  }
}

function convertToolCall(part: ToolCallPart, warnings: Warning[]): JsonObject {
  return withCacheControl(
    { type: 'tool_use', id: part.toolCallId, name: part.toolName, input: parseToolInput(part, warnings) },
    part.cacheControl,
  );
}

/** Tool-call arguments as Anthropic's `input` object. Empty arguments mean no arguments. */
function parseToolInput(part: ToolCallPart, warnings: Warning[]): JsonObject {
  if (part.arguments.trim() === '') return {};
  let input: unknown;
  try {
    input = JSON.parse(part.arguments);
  } catch {
    input = undefined;
  }
  if (isObject(input)) return input;
  warnings.push({
    type: 'other',
    message: `The arguments of tool call ${part.toolCallId} are not a JSON object; they were sent to Anthropic as {}.`,
  });
  return {};
}

/**
 * An image as a base64 source (from a `data:` URL) or a URL source. The `detail`
 * hint has no Anthropic equivalent and is not sent.
 */
function convertImage(part: ImagePart, warnings: Warning[]): JsonObject | undefined {
  const source = readImageSource(part.url);
  if (source !== undefined) return withCacheControl({ type: 'image', source }, part.cacheControl);
  warnings.push({
    type: 'other',
    message: 'Dropped an image whose URL is neither http(s) nor a base64 data: URL; Anthropic cannot take it.',
  });
  return undefined;
}

function readImageSource(url: string): JsonObject | undefined {
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  if (!url.startsWith('data:')) return undefined;
  // Parsed by hand, not by a regular expression: data: URLs can be megabytes long.
  const comma = url.indexOf(',');
  const header = comma === -1 ? '' : url.slice('data:'.length, comma);
  if (!header.endsWith(';base64')) return undefined;
  const mediaType = header.split(';')[0] ?? '';
  return mediaType === '' ? undefined : { type: 'base64', media_type: mediaType, data: url.slice(comma + 1) };
}

/** An opaque part is forwarded only to the protocol it came from. */
function convertOpaque(part: OpaquePart, warnings: Warning[]): JsonObject | undefined {
  if (part.protocol === 'anthropic-messages' && isObject(part.value)) return part.value;
  warnings.push({
    type: 'other',
    message: `Dropped a content part of the ${part.protocol} protocol, which the Anthropic Messages API cannot take.`,
  });
  return undefined;
}

/** A signature issued by another protocol's upstream (e.g. a Gemini thought signature) means nothing to Anthropic. */
function isForeignSignature(protocol: ProtocolId | undefined): boolean {
  return protocol !== undefined && protocol !== 'anthropic-messages';
}
