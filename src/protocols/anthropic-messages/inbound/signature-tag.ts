import type { ProtocolId } from '../../../spec/index.js';

/**
 * Anthropic clients carry every `thinking.signature` back verbatim, so a signature
 * issued by another protocol's upstream (a Gemini thought signature) is tagged
 * `<protocol>:` on the way out and untagged on the way in. Anthropic's own
 * signatures are base64 (no `:`), so they pass untouched and the tag is unambiguous.
 */
const taggedProtocols: readonly ProtocolId[] = ['gemini', 'openai-chat'];

export function tagSignature(signature: string, upstream: ProtocolId): string {
  return upstream === 'anthropic-messages' || signature === '' ? signature : `${upstream}:${signature}`;
}

export function untagSignature(signature: string): { signature: string; signatureProtocol?: ProtocolId } {
  const colon = signature.indexOf(':');
  const protocol = signature.slice(0, colon) as ProtocolId;
  return colon > 0 && taggedProtocols.includes(protocol)
    ? { signature: signature.slice(colon + 1), signatureProtocol: protocol }
    : { signature };
}
