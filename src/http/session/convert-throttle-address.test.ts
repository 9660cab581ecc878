import { describe, expect, it } from 'vitest';
import { convertThrottleAddress } from './convert-throttle-address.js';

describe('convertThrottleAddress', () => {
  it.each([
    ['an IPv4 address', '192.0.2.7', '192.0.2.7'],
    ['an IPv4-mapped IPv6 address', '::ffff:192.0.2.7', '192.0.2.7'],
    ['IPv6 loopback', '::1', '0:0:0:0::/64'],
    ['a compressed IPv6 address', '2001:db8::1', '2001:db8:0:0::/64'],
    ['another host of the same /64', '2001:0db8:0000:0000:ffff:1:2:3', '2001:db8:0:0::/64'],
    ['another /64', '2001:db8:0:1::1', '2001:db8:0:1::/64'],
    ['a full IPv6 address', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff', '2001:db8:aaaa:bbbb::/64'],
    ['an IPv6 address with an IPv4 tail', '64:ff9b::192.0.2.7', '64:ff9b:0:0::/64'],
    ['a link-local address with a zone', 'fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['no address (socket closed)', undefined, 'unknown'],
  ])('buckets %s', (_name, address, expected) => {
    expect(convertThrottleAddress(address)).toBe(expected);
  });
});
