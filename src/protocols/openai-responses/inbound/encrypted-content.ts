import type { ProtocolId } from '../../../spec/index.js';

const signingProtocols: readonly ProtocolId[] = ['anthropic-messages', 'gemini', 'openai-chat'];

/**
 * A reasoning signature travels to a Responses client in the reasoning item's `encrypted_content`, tagged with the
 * protocol of the upstream that issued it (`anthropic-messages:<signature>`), since no upstream speaks the Responses
 * protocol: the tag says which upstream may be sent the signature on the next turn.
 */
export function tagEncryptedContent(signature: string, upstream: ProtocolId): string {
  return `${upstream}:${signature}`;
}

/**
 * `encrypted_content` sent back → the signature and its protocol; content Meridian did not write (another service's
 * encrypted reasoning) carries no signature any upstream here could check, and is dropped.
 */
export function untagEncryptedContent(
  content: string,
): { readonly signature: string; readonly signatureProtocol: ProtocolId } | undefined {
  const colon = content.indexOf(':');
  const protocol = content.slice(0, colon) as ProtocolId;
  return colon > 0 && signingProtocols.includes(protocol) && colon < content.length - 1
    ? { signature: content.slice(colon + 1), signatureProtocol: protocol }
    : undefined;
}
