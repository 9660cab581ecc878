export type { AddressClassification, AddressRefusalReason } from './address-reason.js';
export { checkAddress } from './check-address.js';
export type { AddressCheck } from './check-address.js';
export { checkOutboundUrl } from './check-outbound-url.js';
export { classifyAddress } from './classify-address.js';
export { createGuardedClient } from './create-guarded-client.js';
export type {
  GuardedClient,
  GuardedClientOptions,
  GuardedClientTimeouts,
  GuardedRequestInit,
  GuardedResponse,
} from './create-guarded-client.js';
export { createGuardedConnector } from './create-guarded-connector.js';
export type { GuardedConnectorOptions } from './create-guarded-connector.js';
export { outboundDefaults } from './outbound-defaults.js';
export { systemLookup } from './outbound-lookup.js';
export type { OutboundLookup, ResolvedAddress } from './outbound-lookup.js';
export { OutboundRefusedError } from './outbound-refused-error.js';
export type { OutboundRefusalReason } from './outbound-refused-error.js';
export { OutboundResponseTooLargeError } from './outbound-response-too-large-error.js';
export { parseOutboundAllowList } from './parse-allow-list.js';
export type { OutboundAllowList } from './parse-allow-list.js';
export { parseIpAddress } from './parse-ip-address.js';
export { parseOutboundUrl } from './parse-outbound-url.js';
export { cidrContains, parseCidr } from './parse-cidr.js';
export type { Cidr } from './parse-cidr.js';
export type { IpAddress } from './ip-address.js';
