import { networkInterfaces } from 'node:os';

function ipv4ToNumber(address: string): number | undefined {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/**
 * Our IPv4 address as seen by `remote` (a discovery request's sender): the interface on the
 * sender's subnet, so the URL we hand back is one it can reach. Loopback senders get
 * 127.0.0.1; with no subnet match, the first external IPv4 address.
 */
export function localAddressFacing(remote: string): string {
  const remoteAddress = remote.replace(/^::ffff:/, '');
  if (remoteAddress.startsWith('127.')) return '127.0.0.1';
  const remoteNumber = ipv4ToNumber(remoteAddress);
  const candidates = Object.values(networkInterfaces())
    .flat()
    .filter((info) => info !== undefined && info.family === 'IPv4' && !info.internal);
  if (remoteNumber !== undefined) {
    for (const info of candidates) {
      const own = ipv4ToNumber(info!.address);
      const mask = ipv4ToNumber(info!.netmask);
      if (own !== undefined && mask !== undefined && ((own & mask) >>> 0) === ((remoteNumber & mask) >>> 0)) return info!.address;
    }
  }
  return candidates[0]?.address ?? '127.0.0.1';
}
