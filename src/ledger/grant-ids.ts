/**
 * Grant ids of the config file's credits are `config:<org>` (src/cli/bootstrap-keys.ts): granted once per org ever.
 * Reserved: the credits API refuses grant ids with this prefix, so no API grant can take an org's config grant id.
 */
export const configGrantIdPrefix = 'config:';
