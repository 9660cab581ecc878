import type { AssistantPart } from '../../../spec/index.js';
import type { ResponseItemMemory } from '../item-memory.js';
import { untagEncryptedContent, untagOpaqueBlock } from './encrypted-content.js';

/**
 * Keeps each rendered output item's canonical parts under its id, for a later `item_reference` to it from the same
 * org ({@link scopeItemId}).
 */
export function rememberItems(
  items: readonly Record<string, unknown>[],
  memory: ResponseItemMemory,
  orgId: string,
): void {
  for (const item of items) {
    const id = item['id'];
    const parts = readItemParts(item);
    if (typeof id === 'string' && parts.length > 0) memory.remember(scopeItemId(orgId, id), parts);
  }
}

/**
 * The memory's key for an org's item: another org that learns an item id (a generation id is an identifier, not a
 * secret) finds nothing under it, as `GET /api/v1/generation` answers it 404.
 */
export function scopeItemId(orgId: string, itemId: string): string {
  return `${orgId}\n${itemId}`;
}

/** A rendered item back to what the canonical model holds: the inverse of the renderers, for the items they write. */
function readItemParts(item: Record<string, unknown>): AssistantPart[] {
  switch (item['type']) {
    case 'message':
      return (item['content'] as readonly Record<string, unknown>[]).map((part) => ({
        type: 'text',
        text: String(part['type'] === 'refusal' ? part['refusal'] : part['text']),
      }));
    case 'reasoning': {
      // The text is in `content`, or in `summary` when the client asked for a summary.
      const parts = [
        ...(item['content'] as readonly { readonly text: string }[]),
        ...(item['summary'] as readonly { readonly text: string }[]),
      ];
      const text = parts.map((part) => part.text).join('');
      const encrypted = item['encrypted_content'];
      const block = typeof encrypted === 'string' ? untagOpaqueBlock(encrypted) : undefined;
      if (block !== undefined) return [block];
      const signed = typeof encrypted === 'string' ? untagEncryptedContent(encrypted) : undefined;
      if (signed === undefined) return [{ type: 'reasoning', text }];
      return [{ type: 'reasoning', text, signature: signed.signature, signatureProtocol: signed.signatureProtocol }];
    }
    case 'function_call':
      return [
        {
          type: 'tool-call',
          toolCallId: String(item['call_id']),
          toolName: String(item['name']),
          arguments: String(item['arguments']),
        },
      ];
    case 'custom_tool_call':
      return [
        {
          type: 'tool-call',
          toolCallId: String(item['call_id']),
          toolName: String(item['name']),
          arguments: String(item['input']),
          isCustom: true,
        },
      ];
    default:
      return [];
  }
}
