/**
 * Why an address is refused. Stable strings: they reach logs, metrics labels and
 * error bodies, so they never change meaning. An address inside an IPv6 form that
 * embeds IPv4 (`::ffff:127.0.0.1`, NAT64, 6to4) carries the reason of the IPv4 inside.
 */
export type AddressRefusalReason =
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'cloud_metadata'
  | 'carrier_grade_nat'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'benchmarking'
  | 'documentation'
  | 'teredo'
  | 'not_an_ip';

/** The verdict on one address: `public` when it is an ordinary Internet address. */
export type AddressClassification =
  | { readonly allowed: true; readonly reason: 'public' }
  | { readonly allowed: false; readonly reason: AddressRefusalReason };
