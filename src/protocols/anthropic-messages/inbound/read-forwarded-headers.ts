import { limits } from '../../../config/limits.js';
import { invalid } from '../../shared/field-readers.js';
import type { ClientHeaders } from '../../adapter-types.js';

/** An HTTP token (RFC 9110 §5.6.2): what one beta name may hold. */
const betaNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The client's request headers an Anthropic-protocol upstream needs: `anthropic-beta`, every copy of it joined into
 * one comma-separated list (SDKs send `betas: [...]` as one header, some clients repeat it). Undefined when there is
 * none. A value past `limits.anthropicBetaHeaderBytesMax`, or an entry that is not a token, is a 400 naming the
 * header: cutting the list would send a beta that does not exist.
 */
export function readForwardedHeaders(headers: ClientHeaders | undefined): Record<string, string> | undefined {
  const value = headers?.['anthropic-beta'];
  if (value === undefined) return undefined;
  const copies: readonly string[] = typeof value === 'string' ? [value] : value;
  const joined = copies.join(',');
  if (joined.length > limits.anthropicBetaHeaderBytesMax) {
    throw invalid(
      'anthropic-beta',
      `at most ${limits.anthropicBetaHeaderBytesMax} bytes are accepted (limits.anthropicBetaHeaderBytesMax).`,
    );
  }
  const names = joined
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.some((name) => !betaNamePattern.test(name))) {
    throw invalid('anthropic-beta', 'must be a comma-separated list of beta names.');
  }
  return names.length === 0 ? undefined : { 'anthropic-beta': names.join(',') };
}
