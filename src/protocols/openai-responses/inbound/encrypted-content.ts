import type { OpaquePart, ProtocolId } from '../../../spec/index.js';

const signingProtocols: readonly ProtocolId[] = ['anthropic-messages', 'gemini', 'openai-chat'];

/** The tag of content that also carries the reasoning text: `<protocol>+text:<base64 text>:<signature>`. */
const withText = '+text';

/** A signature, the upstream protocol that issued it, and the reasoning text it signs when it was carried. */
export interface SignedReasoning {
  readonly signature: string;
  readonly signatureProtocol: ProtocolId;
  readonly text?: string;
}

/**
 * A reasoning signature travels to a Responses client in the reasoning item's `encrypted_content`, tagged with the
 * protocol of the upstream that issued it (`anthropic-messages:<signature>`), since no upstream speaks the Responses
 * protocol: the tag says which upstream may be sent the signature on the next turn. The reasoning text rides with it
 * (base64, `anthropic-messages+text:<text>:<signature>`): clients send back `encrypted_content` but not always the
 * text (Codex drops `reasoning_text` content, the Vercel AI SDK sends only the summary), and a signature is checked
 * against the exact text it signed.
 */
export function tagEncryptedContent(signature: string, upstream: ProtocolId, text: string): string {
  if (text === '') return `${upstream}:${signature}`;
  return `${upstream}${withText}:${Buffer.from(text, 'utf8').toString('base64')}:${signature}`;
}

/**
 * `encrypted_content` sent back → the signature, its protocol and the text it signs; content Meridian did not write
 * (another service's encrypted reasoning) carries no signature any upstream here could check, and is dropped.
 */
export function untagEncryptedContent(content: string): SignedReasoning | undefined {
  const colon = content.indexOf(':');
  const tag = content.slice(0, colon);
  const hasText = tag.endsWith(withText);
  const protocol = (hasText ? tag.slice(0, -withText.length) : tag) as ProtocolId;
  if (colon <= 0 || !signingProtocols.includes(protocol)) return undefined;
  if (!hasText) return signed(content.slice(colon + 1), protocol, undefined);
  const textEnd = content.indexOf(':', colon + 1);
  if (textEnd === -1) return undefined;
  const text = Buffer.from(content.slice(colon + 1, textEnd), 'base64').toString('utf8');
  return signed(content.slice(textEnd + 1), protocol, text);
}

function signed(signature: string, protocol: ProtocolId, text: string | undefined): SignedReasoning | undefined {
  if (signature === '') return undefined;
  return { signature, signatureProtocol: protocol, ...(text === undefined ? {} : { text }) };
}

/** The tag of content that carries a whole block: `anthropic-messages+block:<base64 JSON>`. */
const wholeBlock = 'anthropic-messages+block:';

/**
 * An Anthropic `redacted_thinking` block has no text to show, and Anthropic wants it back in the turn it came from
 * (a tool-use turn that starts without it is refused): it travels whole in a reasoning item's `encrypted_content`.
 */
export function isCarriedBlock(part: OpaquePart): boolean {
  const value = part.value;
  return (
    part.protocol === 'anthropic-messages' &&
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>)['type'] === 'redacted_thinking'
  );
}

export function tagOpaqueBlock(part: OpaquePart): string {
  return `${wholeBlock}${Buffer.from(JSON.stringify(part.value), 'utf8').toString('base64')}`;
}

/** `encrypted_content` that carries a whole block → that block, or undefined (not such content, or unreadable). */
export function untagOpaqueBlock(content: string): OpaquePart | undefined {
  if (!content.startsWith(wholeBlock)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(content.slice(wholeBlock.length), 'base64').toString('utf8'));
    const part: OpaquePart = { type: 'opaque', protocol: 'anthropic-messages', value };
    return isCarriedBlock(part) ? part : undefined;
  } catch {
    return undefined;
  }
}
