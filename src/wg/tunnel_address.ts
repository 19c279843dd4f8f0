import { fromBase64 } from "../lib/base64.ts";
import { intToIpv4, ipv4ToInt, networkOf, parseCidr } from "../lib/net.ts";

/**
 * A stable tunnel address for a router inside `prefix`, derived from its public key so that two
 * routers pick different addresses without talking (collision chance 1 in the prefix size).
 * @example tunnelAddressFor("10.77.0.0/16", pub) // "10.77.163.9/16"
 */
export function tunnelAddressFor(prefix: string, publicKey: string): string {
  const net = networkOf(parseCidr(prefix));
  if (net.family !== 4 || net.prefix > 30) {
    throw new RangeError(
      `Cannot pick an address in "${prefix}": need an IPv4 prefix of /30 or larger`,
    );
  }
  const k = fromBase64(publicKey);
  const hosts = 2 ** (32 - net.prefix) - 2;
  const seed = ((k[0]! << 24) | (k[1]! << 16) | (k[2]! << 8) | k[3]!) >>> 0;
  const host = (seed % hosts) + 1;
  return `${intToIpv4((ipv4ToInt(net.address) + host) >>> 0)}/${net.prefix}`;
}
