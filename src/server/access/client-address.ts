import { BlockList, isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { RetrovueConfig } from '../../config/schema.js';

/** 127.0.0.0/8, ::1, and IPv4-mapped loopback. */
export function isLoopback(ip: string): boolean {
  const address = unmapped(ip);
  return address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address);
}

/** `::ffff:10.0.0.2` (an IPv4 peer on a dual-stack socket) is the IPv4 address 10.0.0.2. */
function unmapped(ip: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip) ? ip.slice(7) : ip;
}

/** proxy-addr's names for whole ranges, which server.trust_proxy accepts too. */
const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/**
 * Which hops of a request's path are reverse proxies whose X-Forwarded-For is believed
 * (`server.trust_proxy`): a list of addresses and CIDRs, or a hop count. The schema refuses
 * `true` ("every hop"), with which the leftmost X-Forwarded-For entry — the client's own
 * claim — became the client address and `X-Forwarded-For: 127.0.0.1` passed as loopback.
 */
export class ProxyTrust {
  private readonly proxies = new BlockList();
  private readonly hops: number;

  constructor(setting: RetrovueConfig['server']['trust_proxy']) {
    this.hops = typeof setting === 'number' ? setting : 0;
    if (!Array.isArray(setting)) return;
    for (const entry of setting.flatMap((value) => NAMED_RANGES[value] ?? [value])) {
      const [address, prefix] = entry.split('/') as [string, string | undefined];
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.proxies.addAddress(address, family);
      else this.proxies.addSubnet(address, Number(prefix), family);
    }
  }

  /** Whether any proxy is trusted at all (false: X-Forwarded-For is never read). */
  get enabled(): boolean {
    return this.hops > 0 || this.proxies.rules.length > 0;
  }

  /** Whether the hop-th address on the way back from this server (0: the socket's peer) is a trusted proxy. */
  trusts(address: string, hop: number): boolean {
    if (this.hops > 0) return hop < this.hops;
    const plain = unmapped(address);
    const family = isIP(plain);
    if (family === 0) return false;
    return this.proxies.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }

  /** The same rule as Fastify's `trustProxy` option, so `request.ip` (logs, messages) agrees with clientOf. */
  fastifyOption(): false | ((address: string, hop: number) => boolean) {
    return this.enabled ? (address, hop) => this.trusts(address, hop) : false;
  }
}

export interface ClientAddress {
  /** The client as far as trusted proxies vouch for it: the rightmost untrusted hop. */
  address: string;
  /**
   * True only for a request that truly comes from this machine: its address is loopback and
   * nobody beyond it claims to have sent it. A loopback peer that forwards for someone else
   * (a proxy on this machine that is not trusted, or a trusted one that only sent X-Real-IP)
   * is not local: the real client is unknown.
   */
  local: boolean;
  /** Set when a proxy on this machine forwards requests that cannot be attributed (for a warning). */
  untrustedLocalProxy?: 'not_trusted' | 'no_x_forwarded_for';
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Walks the request's path back from the socket: the peer, then X-Forwarded-For from right to
 * left, while each hop is a trusted proxy. The first untrusted hop is the client (proxy-addr's
 * rule, which Fastify uses for `request.ip`).
 */
export function clientOf(request: FastifyRequest, trust: ProxyTrust): ClientAddress {
  const socketAddress = request.raw.socket.remoteAddress ?? '';
  const forwardedFor = headerText(request.headers['x-forwarded-for']);
  const claimed = forwardedFor === undefined ? [] : forwardedFor.split(',').map((entry) => entry.trim()).filter(Boolean).reverse();
  const chain = [socketAddress, ...claimed];
  let hop = 0;
  while (hop < chain.length - 1 && trust.trusts(chain[hop]!, hop)) hop += 1;
  const address = chain[hop]!;
  const othersBeyond = hop < chain.length - 1;
  // Forwarding headers other than X-Forwarded-For only matter when the peer itself is the last
  // hop: behind a trusted chain they repeat what X-Forwarded-For already said.
  const forwardedOtherwise = hop === 0 && (request.headers.forwarded !== undefined || request.headers['x-real-ip'] !== undefined);
  const local = isLoopback(address) && !othersBeyond && !forwardedOtherwise;
  if (local || !isLoopback(address) || (!othersBeyond && !forwardedOtherwise)) return { address, local };
  return { address, local, untrustedLocalProxy: trust.trusts(address, hop) ? 'no_x_forwarded_for' : 'not_trusted' };
}

/**
 * At start: a `public_url` that is not this listener (https, or another port) says a reverse
 * proxy stands in front. If it runs on this machine with server.trust_proxy unset, all its
 * clients arrive from loopback; they are then treated as the network (clientOf), which is safe
 * but means the control room asks everyone for the token — so say what to set.
 */
export function proxyAdviceAtStart(server: RetrovueConfig['server'], listeningPort: number): string | undefined {
  if (server.trust_proxy !== false || !server.public_url) return undefined;
  const publicUrl = new URL(server.public_url);
  const publicPort = Number(publicUrl.port || (publicUrl.protocol === 'https:' ? 443 : 80));
  if (publicUrl.protocol !== 'https:' && publicPort === listeningPort) return undefined;
  return `server.public_url (${server.public_url}) is not this listener (port ${listeningPort}): a reverse proxy seems to stand in front. If it runs on this machine, set server.trust_proxy to its address (e.g. ["127.0.0.1"]) so clients are told apart; until then requests it forwards are treated as from the network and need the admin token`;
}
