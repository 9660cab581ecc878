import type { Message, ProtocolId, Warning } from '../../spec/index.js';
import { isObject } from './field-readers.js';

/**
 * A tool result whose blocks another protocol wrote (an Anthropic image or document) reaches an upstream of
 * `protocol` as its text only: the warning names the blocks that were left out.
 */
export function warnOpaqueToolContent(
  message: Extract<Message, { role: 'tool' }>,
  protocol: ProtocolId,
  warnings: Warning[],
): void {
  const opaque = message.opaqueContent;
  if (opaque === undefined || opaque.protocol === protocol) return;
  warnings.push({
    type: 'unsupported-setting',
    setting: `tool result ${message.toolCallId}`,
    details: `only its text is forwarded; ${describeBlocks(opaque.value)} dropped`,
  });
}

function describeBlocks(value: unknown): string {
  const types = new Set<string>();
  if (Array.isArray(value)) {
    for (const block of value as unknown[]) {
      const type = isObject(block) ? block['type'] : undefined;
      if (typeof type === 'string' && type !== 'text') types.add(`'${type.slice(0, 40)}'`);
    }
  }
  return types.size === 0 ? 'non-text blocks' : `${[...types].join(', ')} blocks`;
}
