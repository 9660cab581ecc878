import type { ServerResponse } from 'node:http';
import { GatewayError } from '../../errors/index.js';
import type { GenerationContentStore, KeyRecord, ServingPort, StoredGenerationContent } from '../../storage/index.js';
import { sendJson } from '../send-json.js';

/**
 * GET /api/v1/generation/content?id=: the prompt and completion stored for a generation of an org that opted in
 * to prompt logging. Like `GET /api/v1/generation`, a member key sees only its own org's (another org's id answers
 * 404, as an unknown id does); an admin key any org's. Never logged, purged, past retention, or logging off: 404.
 */
export async function sendGenerationContent(
  response: ServerResponse,
  options: {
    readonly url: URL;
    readonly key: KeyRecord;
    readonly store: ServingPort<GenerationContentStore>;
    readonly nowMs: number;
    readonly requestId: string;
  },
): Promise<void> {
  const id = options.url.searchParams.get('id');
  if (id === null || id === '') {
    throw new GatewayError({ code: 'invalid_request', message: 'Query parameter `id` is required.', param: 'id' });
  }
  const content = await options.store.findContent(id, options.nowMs);
  if (content === undefined || (options.key.role !== 'admin' && content.orgId !== options.key.orgId)) {
    throw new GatewayError({
      code: 'not_found',
      message: `No stored prompt for generation '${id}'.`,
      param: 'id',
    });
  }
  sendJson(response, 200, { data: renderGenerationContent(content) }, options.requestId);
}

/**
 * `prompt` is the canonical request's messages, `completion` the choices' text and tool calls, both as JSON; a
 * field cut at `limits.promptLogBytesMax` is given as its stored text (ending with the marker) and flagged.
 */
function renderGenerationContent(content: StoredGenerationContent): Record<string, unknown> {
  return {
    id: content.generationId,
    org_id: content.orgId,
    created_at: new Date(content.createdAtMs).toISOString(),
    prompt: content.isPromptTruncated ? content.promptJson : (JSON.parse(content.promptJson) as unknown),
    prompt_truncated: content.isPromptTruncated,
    completion: content.isCompletionTruncated
      ? content.completionJson
      : (JSON.parse(content.completionJson) as unknown),
    completion_truncated: content.isCompletionTruncated,
  };
}
