import { hostname } from 'node:os';
import { isIP } from 'node:net';

/**
 * The host names this server answers as itself: DNS-rebinding protection.
 *
 * A page on attacker.example can make its own name resolve to 127.0.0.1 (or the server's LAN
 * address) a moment after it loaded; its scripts then reach Retrovue as "same origin", with an
 * `Origin` that matches the `Host` they sent — both say attacker.example. Only the `Host` name
 * gives it away, so writes and the control room are answered only under names that are ours.
 *
 * Accepted: any IP literal (a page can only be same-origin with an IP by being served from it,
 * so an IP host is never a rebinding), `localhost`, the machine's host name (as the OS reports
 * it, bare, and with mDNS's `.local`), `server.public_url`'s host, and `server.allowed_hosts`
 * (an entry `*.example.com` allows every subdomain of example.com).
 */
export class HostAllowList {
  private readonly exact = new Set<string>();
  private readonly suffixes: string[] = [];

  constructor(options: { publicUrl?: string; allowedHosts: string[]; machineNames?: string[] }) {
    this.exact.add('localhost');
    for (const machine of options.machineNames ?? [hostname()]) {
      // The host name as the OS reports it, bare, and with mDNS's `.local`.
      const name = machine.toLowerCase();
      const bare = name.split('.')[0]!;
      for (const form of [name, bare, `${bare}.local`]) this.exact.add(form);
    }
    if (options.publicUrl) this.exact.add(new URL(options.publicUrl).hostname.toLowerCase());
    for (const entry of options.allowedHosts) {
      const name = entry.trim().toLowerCase().replace(/\.$/, '');
      if (name.startsWith('*.')) this.suffixes.push(name.slice(1));
      else this.exact.add(name);
    }
  }

  /** Whether a `Host` header (with or without a port) names this server. */
  allows(hostHeader: string | undefined): boolean {
    const name = hostNameOf(hostHeader);
    if (name === undefined) return false;
    if (isIP(name.replace(/^\[|\]$/g, '')) !== 0) return true;
    if (this.exact.has(name)) return true;
    return this.suffixes.some((suffix) => name.endsWith(suffix) && name.length > suffix.length);
  }
}

/** `Host: Retro.Example.:8080` → `retro.example`; undefined when it is not a host at all. */
export function hostNameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader || hostHeader.length > 300) return undefined;
  try {
    const url = new URL(`http://${hostHeader}`);
    // Anything beyond host[:port] (a path, credentials) means the header was not a plain host.
    if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return undefined;
    return url.hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return undefined;
  }
}
