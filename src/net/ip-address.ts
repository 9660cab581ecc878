/**
 * An IP address as a number: 32 bits for IPv4, 128 bits for IPv6. Range checks
 * then become shifts and comparisons, with no textual form left to trick them.
 */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/** Bits in an address of each family. */
export function addressBits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}
