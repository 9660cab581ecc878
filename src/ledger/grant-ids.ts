/**
 * Grant ids of the config file's credits are `config:<org>` (src/cli/bootstrap-keys.ts): granted once per org ever.
 * Reserved: the credits API refuses grant ids with this prefix, so no API grant can take an org's config grant id.
 */
export const configGrantIdPrefix = 'config:';

/**
 * Grant ids of redeemed credit codes are `code:<sha-256 of the code>` (src/storage/*-credit-code-store.ts); `ledger
 * verify` (INV-6) matches each to its code. Reserved like {@link configGrantIdPrefix}: an API grant with such an id
 * would take a code's grant id before the code is redeemed.
 */
export const codeGrantIdPrefix = 'code:';

/** The prefixes no API or CLI grant may use, with what each is for. */
export const reservedGrantIdPrefixes = [
  { prefix: configGrantIdPrefix, owner: "the config file's credits" },
  { prefix: codeGrantIdPrefix, owner: 'credit codes' },
] as const;
