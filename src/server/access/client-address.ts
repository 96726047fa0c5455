import { readFileSync } from 'node:fs';
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
   * (a proxy on this machine that is not trusted, or one that only sent X-Real-IP), or that is
   * itself a trusted proxy, is not local: the real client is unknown.
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
  // When the peer itself is the last hop (no X-Forwarded-For), two things say it is not the
  // client: other forwarding headers (Forwarded, X-Real-IP), or being a trusted proxy — a proxy
  // that forwards without X-Forwarded-For would otherwise make every client it serves look like
  // this machine. Behind a trusted chain, the leftmost entry is the client, whatever it is.
  const peerOnly = hop === 0;
  const forwardedOtherwise = peerOnly && (request.headers.forwarded !== undefined || request.headers['x-real-ip'] !== undefined);
  const trustedProxyAlone = peerOnly && trust.trusts(address, 0);
  const local = isLoopback(address) && !othersBeyond && !forwardedOtherwise && !trustedProxyAlone;
  if (local || !isLoopback(address)) return { address, local };
  if (othersBeyond || forwardedOtherwise) return { address, local, untrustedLocalProxy: trustedProxyAlone ? 'no_x_forwarded_for' : 'not_trusted' };
  // A trusted proxy's own request with no forwarding headers at all: a tool on this machine
  // talking past the proxy, or a proxy not sending X-Forwarded-For. Either way, the token decides.
  return { address, local, untrustedLocalProxy: 'no_x_forwarded_for' };
}

/** Ports a reverse proxy in front of Retrovue usually listens on. */
const PROXY_PORTS = [80, 443, 8443];

/**
 * At start, with no proxy trusted: signs that a reverse proxy stands in front — a `public_url`
 * that is not this listener (https, another port), or a web server listening on this machine
 * (80, 443, 8443). A proxy on this machine that sends no X-Forwarded-For makes every client it
 * serves look like loopback, which no request can reveal; so say what to set. `listeningPorts`
 * is this machine's listening TCP ports (listeningTcpPorts()).
 */
export function proxyAdviceAtStart(server: RetrovueConfig['server'], listeningPort: number, listeningPorts: ReadonlySet<number> = new Set()): string | undefined {
  if (server.trust_proxy !== false) return undefined;
  const advice = 'set server.trust_proxy to its address (e.g. ["127.0.0.1"]) and have it send X-Forwarded-For (nginx: `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`), or clients it forwards may pass as this machine and change the station without the token';
  if (server.public_url) {
    const publicUrl = new URL(server.public_url);
    const publicPort = Number(publicUrl.port || (publicUrl.protocol === 'https:' ? 443 : 80));
    if (publicUrl.protocol === 'https:' || publicPort !== listeningPort) {
      return `server.public_url (${server.public_url}) is not this listener (port ${listeningPort}): a reverse proxy seems to stand in front. If it runs on this machine, ${advice}`;
    }
  }
  const webServer = PROXY_PORTS.find((port) => port !== listeningPort && listeningPorts.has(port));
  if (webServer !== undefined) return `a web server listens on port ${webServer} of this machine. If it is a reverse proxy in front of Retrovue, ${advice}`;
  return undefined;
}

/** This machine's listening TCP ports (Linux: /proc/net/tcp and tcp6; elsewhere none). */
export function listeningTcpPorts(): Set<number> {
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN.
      if (fields[3] === '0A') ports.add(parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}
