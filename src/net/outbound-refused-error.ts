import type { AddressRefusalReason } from './address-reason.js';

/** Why an outbound request was refused before anything was sent. Stable strings. */
export type OutboundRefusalReason =
  AddressRefusalReason | 'invalid_url' | 'unsupported_scheme' | 'credentials_in_url' | 'redirect_limit';

/**
 * An outbound request (webhook, image URL, user-supplied endpoint) that the SSRF
 * guard refused: nothing was sent. The message names the URL without credentials,
 * query or fragment, and the reason; the refused address is kept in a field for logs
 * only, because echoing what an internal name resolves to would map the private
 * network for whoever supplied the URL.
 */
export class OutboundRefusedError extends Error {
  readonly code = 'outbound_refused' as const;
  readonly reason: OutboundRefusalReason;
  /** The target, with credentials, query and fragment removed. */
  readonly url: string;
  /** The address that decided the refusal, when there was one (for logs, never for clients). */
  readonly address: string | undefined;
  readonly isRetryable = false;

  constructor(options: {
    readonly reason: OutboundRefusalReason;
    readonly url: string;
    readonly address?: string | undefined;
  }) {
    super(`Outbound request to ${options.url} refused: ${options.reason}.`);
    this.name = 'OutboundRefusedError';
    this.reason = options.reason;
    this.url = options.url;
    this.address = options.address;
  }
}
