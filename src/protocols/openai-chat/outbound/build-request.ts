import type { Endpoint, OpenAIDialect } from '../../../catalog/catalog-types.js';
import type {
  ChatRequest,
  ReasoningOptions,
  ResponseFormat,
  ToolChoice,
  ToolDefinition,
  Warning,
} from '../../../spec/index.js';
import type { UpstreamRequest } from '../../adapter-types.js';
import { convertMessages } from './convert-messages.js';
import { selectTools } from '../../shared/select-function-tools.js';
import { serialiseBody } from '../../shared/serialise-body.js';
import { setTopK } from '../../shared/set-top-k.js';

/** Fields a passthrough value may never override: the gateway owns them. */
const protectedFields = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
]);

/**
 * Canonical request → OpenAI-compatible upstream request. Usage is always requested
 * on streams (`stream_options.include_usage`), whatever the client asked: metering needs it.
 */
export function buildRequest(request: ChatRequest, endpoint: Endpoint): UpstreamRequest {
  const dialect = endpoint.provider.openai;
  const warnings: Warning[] = [];
  const messages = convertMessages(request.messages, dialect, warnings);
  const body: Record<string, unknown> = { model: endpoint.upstreamModel, messages, stream: request.stream };
  if (request.stream && dialect.sendsStreamOptions) body['stream_options'] = { include_usage: true };
  if (request.maxOutputTokens !== undefined) body[dialect.maxTokensField] = request.maxOutputTokens;
  setIfDefined(body, 'temperature', request.temperature);
  setIfDefined(body, 'top_p', request.topP);
  // `top_k` is not OpenAI's. An OpenAI client's own goes as it sent it, like any field it adds to OpenAI's API (its
  // upstream is of its own protocol); another protocol's only to a vendor whose catalog entry says it takes it.
  const isClientsOwnTopK = request.passthrough.protocol === 'openai-chat';
  const topKRefusal =
    dialect.sendsTopK || isClientsOwnTopK
      ? undefined
      : 'this OpenAI-compatible upstream takes no top_k (catalog openai.top_k)';
  setTopK(body, request.topK, topKRefusal, warnings);
  setIfDefined(body, 'n', request.n);
  setIfDefined(body, 'stop', request.stop);
  setIfDefined(body, 'seed', request.seed);
  setIfDefined(body, 'presence_penalty', request.presencePenalty);
  setIfDefined(body, 'frequency_penalty', request.frequencyPenalty);
  setTools(body, request, warnings);
  setIfDefined(
    body,
    'response_format',
    request.responseFormat === undefined ? undefined : convertResponseFormat(request.responseFormat),
  );
  setReasoning(body, request.reasoning, dialect.thinkingControl);
  setIfDefined(body, 'user', request.user);
  copyPassthrough(request.passthrough, body, warnings);
  return {
    path: '/chat/completions',
    body: serialiseBody(body, request.textLiterals),
    headers: { 'content-type': 'application/json' },
    ...(warnings.length === 0 ? {} : { warnings }),
  };
}

/**
 * Tools, the tool choice and `parallel_tool_calls`. Function tools are built from the canonical form; an OpenAI
 * client's other tools (`custom`, a vendor's own types) and choices (`allowed_tools`, a custom-tool choice) go as it
 * wrote them. When every tool the client sent was dropped (Anthropic server tools), none of the three is sent: OpenAI
 * rejects a tool choice without tools.
 */
function setTools(body: Record<string, unknown>, request: ChatRequest, warnings: Warning[]): void {
  const tools = selectTools(request.tools, 'openai-chat', warnings);
  if (tools?.length === 0 && request.tools?.length !== 0) return;
  if (tools !== undefined) body['tools'] = tools.map(convertTool);
  setIfDefined(
    body,
    'tool_choice',
    request.toolChoice === undefined ? undefined : convertToolChoice(request.toolChoice, warnings),
  );
  setIfDefined(body, 'parallel_tool_calls', request.parallelToolCalls);
}

function convertTool(tool: ToolDefinition): unknown {
  if (tool.type === 'opaque') return tool.value;
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      ...(tool.parameters === undefined ? {} : { parameters: tool.parameters }),
      ...(tool.strict === undefined ? {} : { strict: tool.strict }),
    },
  };
}

/** Provider-specific fields of an OpenAI-protocol client pass through; another protocol's are dropped with a warning. */
function copyPassthrough(
  passthrough: ChatRequest['passthrough'],
  body: Record<string, unknown>,
  warnings: Warning[],
): void {
  for (const [key, value] of Object.entries(passthrough.fields)) {
    if (passthrough.protocol !== 'openai-chat') {
      warnings.push({
        type: 'unsupported-setting',
        setting: key,
        details: `a ${passthrough.protocol} parameter, not forwarded to an OpenAI-protocol upstream`,
      });
    } else if (!protectedFields.has(key)) {
      body[key] = value;
    }
  }
}

/** Reasoning in the upstream's own terms; a budget only reaches dialects that take one (Qwen). */
function setReasoning(
  body: Record<string, unknown>,
  reasoning: ReasoningOptions | undefined,
  control: OpenAIDialect['thinkingControl'],
): void {
  if (reasoning === undefined) return;
  const isOff = reasoning.effort === 'none';
  switch (control) {
    case 'reasoning_effort':
      setIfDefined(body, 'reasoning_effort', reasoning.effort);
      return;
    case 'enable_thinking':
      body['enable_thinking'] = !isOff;
      if (!isOff) setIfDefined(body, 'thinking_budget', reasoning.maxTokens);
      return;
    case 'thinking_type':
      body['thinking'] = { type: isOff ? 'disabled' : 'enabled' };
      return;
    default: {
      const exhausted: never = control;
      return exhausted;
    }
  }
}

function setIfDefined(body: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) body[key] = value;
}

/**
 * `allowed_tools` goes as the client wrote it, or (from a client of another protocol, whose tools are all functions)
 * with the allowed names as function tools. Another protocol's own choice is dropped with a warning.
 */
function convertToolChoice(choice: ToolChoice, warnings: Warning[]): unknown {
  switch (choice.type) {
    case 'auto':
    case 'none':
    case 'required':
      return choice.type;
    case 'tool':
      return { type: 'function', function: { name: choice.toolName } };
    case 'allowed-tools': {
      if (choice.native?.protocol === 'openai-chat') return choice.native.value;
      const tools = choice.toolNames.map((name) => ({ type: 'function', function: { name } }));
      return { type: 'allowed_tools', allowed_tools: { mode: choice.mode, tools } };
    }
    case 'opaque':
      if (choice.protocol === 'openai-chat') return choice.value;
      warnings.push({
        type: 'unsupported-setting',
        setting: 'tool_choice',
        details: `a tool choice of the ${choice.protocol} protocol, not forwarded to an OpenAI-protocol upstream`,
      });
      return undefined;
    default: {
      const exhausted: never = choice;
      return exhausted;
    }
  }
}

function convertResponseFormat(format: ResponseFormat): unknown {
  switch (format.type) {
    case 'text':
      return { type: 'text' };
    case 'json-object':
      return { type: 'json_object' };
    case 'json-schema':
      return {
        type: 'json_schema',
        json_schema: {
          name: format.name,
          ...(format.description === undefined ? {} : { description: format.description }),
          schema: format.schema,
          ...(format.strict === undefined ? {} : { strict: format.strict }),
        },
      };
    default: {
      const exhausted: never = format;
      return exhausted;
    }
  }
}
