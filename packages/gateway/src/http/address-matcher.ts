import { BlockList, isIP } from 'node:net';
import { MeshError } from '@agent-mesh/shared';

/**
 * Compiles a list of IP addresses and CIDR ranges (`127.0.0.1`, `10.0.0.0/8`, `::1`) into a matcher for
 * socket addresses. IPv4-mapped IPv6 addresses match their IPv4 form, and loopback matches loopback
 * whether written as 127.0.0.1 or ::1. An entry that is neither is CONFIG_INVALID naming `setting`.
 */
export function createAddressMatcher(
  entries: readonly string[],
  setting: string,
): (address: string | undefined) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? undefined : Number(prefix);
    const maxBits = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= maxBits))
    ) {
      throw new MeshError(
        'CONFIG_INVALID',
        `${setting} has "${entry}", which is not an IP address or CIDR range (e.g. 127.0.0.1 or 10.0.0.0/8).`,
        { setting, entry },
      );
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
  }
  return (raw) => {
    if (!raw) return false;
    const address = raw.startsWith('::ffff:') && isIP(raw.slice(7)) === 4 ? raw.slice(7) : raw;
    const family = isIP(address);
    if (family === 0) return false;
    if (list.check(address, family === 6 ? 'ipv6' : 'ipv4')) return true;
    // Loopback is loopback, however the list spells it.
    if (address === '::1') return list.check('127.0.0.1', 'ipv4');
    if (address.startsWith('127.')) return list.check('::1', 'ipv6');
    return false;
  };
}
