import type { RemoteInfo, Socket } from 'node:dgram';
import { bindResponderSocket, closeResponderSocket } from './udp-responder-socket.js';
import type { Logger } from '../logging/logger.js';

export const SSDP_MULTICAST_ADDRESS = '239.255.255.250';
export const MEDIA_SERVER_DEVICE_TYPE = 'urn:schemas-upnp-org:device:MediaServer:1';

export interface SsdpResponderOptions {
  /** Address and port to listen on (0.0.0.0:1900 in production; loopback and a free port in tests). */
  address: string;
  port: number;
  /** UDN without "uuid:". */
  uuid: string;
  /** device.xml's URL as the sender can reach it. */
  locationFor(remoteAddress: string): string;
  log: Logger;
}

/** The search targets we are: root device, our UUID, and a UPnP MediaServer (what Plex searches for). */
function matchingTargets(searchTarget: string, uuid: string): string[] {
  const ours = ['upnp:rootdevice', `uuid:${uuid}`, MEDIA_SERVER_DEVICE_TYPE];
  if (searchTarget === 'ssdp:all') return ours;
  return ours.includes(searchTarget) ? [searchTarget] : [];
}

/** Headers of an SSDP request, names lower-cased; undefined when it is not an M-SEARCH. */
export function parseMSearch(message: string): Map<string, string> | undefined {
  const [requestLine, ...headerLines] = message.split(/\r?\n/);
  if (!requestLine || !/^M-SEARCH \* HTTP\/1\.[01]$/i.test(requestLine.trim())) return undefined;
  const headers = new Map<string, string>();
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

export function searchResponse(searchTarget: string, uuid: string, location: string): string {
  const usn = searchTarget === `uuid:${uuid}` ? searchTarget : `uuid:${uuid}::${searchTarget}`;
  return [
    'HTTP/1.1 200 OK',
    'CACHE-CONTROL: max-age=1800',
    'EXT:',
    `LOCATION: ${location}`,
    'SERVER: Linux/1.0 UPnP/1.0 Retrovue/0.1',
    `ST: ${searchTarget}`,
    `USN: ${usn}`,
    '',
    '',
  ].join('\r\n');
}

/**
 * Answers SSDP searches (UPnP discovery) so Plex and Jellyfin list Retrovue as a tuner
 * without anyone typing an address. Only answers, to the searcher itself: it never sends
 * unprompted, so it is quiet on networks where nobody looks.
 */
export class SsdpResponder {
  private socket: Socket | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: SsdpResponderOptions) {}

  async start(): Promise<void> {
    const socket = await bindResponderSocket({
      port: this.options.port,
      address: this.options.address,
      what: 'SSDP',
      log: this.options.log,
      onMessage: (message, remote) => this.onMessage(message, remote),
    });
    this.socket = socket;
    // Searches arrive on the multicast group; a loopback-only responder (tests) has no group to join.
    if (!this.options.address.startsWith('127.')) {
      try {
        socket.addMembership(SSDP_MULTICAST_ADDRESS, this.options.address === '0.0.0.0' ? undefined : this.options.address);
      } catch (error) {
        this.options.log.warn({ err: error }, 'SSDP: could not join the multicast group; only direct searches will be answered');
      }
    }
  }

  get port(): number | undefined {
    return this.socket?.address().port;
  }

  private onMessage(message: Buffer, remote: RemoteInfo): void {
    const headers = parseMSearch(message.toString('utf8'));
    if (!headers || headers.get('man')?.replace(/"/g, '') !== 'ssdp:discover') return;
    const targets = matchingTargets(headers.get('st') ?? '', this.options.uuid);
    if (targets.length === 0) return;
    // UPnP asks responders to spread answers over MX seconds; one second at most keeps Plex's scan quick.
    const mx = Number(headers.get('mx'));
    const delayMs = Number.isFinite(mx) && mx > 0 ? Math.random() * Math.min(mx, 1) * 1000 : 0;
    const location = this.options.locationFor(remote.address);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      for (const target of targets) {
        const response = Buffer.from(searchResponse(target, this.options.uuid, location));
        this.socket?.send(response, remote.port, remote.address);
      }
    }, delayMs);
    this.timers.add(timer);
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const socket = this.socket;
    this.socket = undefined;
    await closeResponderSocket(socket);
  }
}
