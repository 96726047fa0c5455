import type { RemoteInfo, Socket } from 'node:dgram';
import { bindResponderSocket, closeResponderSocket } from './udp-responder-socket.js';
import type { Logger } from '../logging/logger.js';
import {
  decodePacket,
  encodePacket,
  HDHR_DEVICE_TYPE_TUNER,
  HDHR_TAG,
  HDHR_TYPE_DISCOVER_REPLY,
  HDHR_TYPE_DISCOVER_REQUEST,
  HDHR_WILDCARD,
  HdhrPacketError,
  stringField,
  uint32Field,
  type HdhrPacket,
} from './hdhr-discovery-packet.js';

export interface HdhrDiscoveryOptions {
  address: string;
  port: number;
  /** Checksum-valid, 8 hex digits. */
  deviceId: string;
  deviceAuth: string;
  tunerCount: number;
  /** Our HTTP base URL as the sender can reach it. */
  baseUrlFor(remoteAddress: string): string;
  log: Logger;
}

/** The reply a discover request deserves, or undefined when it asks for another type or device. */
export function discoverReply(request: HdhrPacket, options: Pick<HdhrDiscoveryOptions, 'deviceId' | 'deviceAuth' | 'tunerCount'>, baseUrl: string): Buffer | undefined {
  if (request.type !== HDHR_TYPE_DISCOVER_REQUEST) return undefined;
  const deviceId = Number.parseInt(options.deviceId, 16);
  for (const field of request.fields) {
    if (field.value.length !== 4) continue;
    const value = field.value.readUInt32BE(0);
    if (field.tag === HDHR_TAG.deviceType && value !== HDHR_WILDCARD && value !== HDHR_DEVICE_TYPE_TUNER) return undefined;
    if (field.tag === HDHR_TAG.deviceId && value !== HDHR_WILDCARD && value !== deviceId) return undefined;
  }
  return encodePacket({
    type: HDHR_TYPE_DISCOVER_REPLY,
    fields: [
      uint32Field(HDHR_TAG.deviceType, HDHR_DEVICE_TYPE_TUNER),
      uint32Field(HDHR_TAG.deviceId, deviceId),
      { tag: HDHR_TAG.tunerCount, value: Buffer.from([Math.min(255, options.tunerCount)]) },
      stringField(HDHR_TAG.deviceAuth, options.deviceAuth),
      stringField(HDHR_TAG.baseUrl, baseUrl),
      stringField(HDHR_TAG.lineupUrl, `${baseUrl}/lineup.json`),
    ],
  });
}

/**
 * Answers HDHomeRun discovery broadcasts (UDP 65001), the way SiliconDust's own apps, Plex and
 * Channels DVR look for tuners. Replies go to the sender only.
 */
export class HdhrDiscoveryResponder {
  private socket: Socket | undefined;

  constructor(private readonly options: HdhrDiscoveryOptions) {}

  async start(): Promise<void> {
    const socket = await bindResponderSocket({
      port: this.options.port,
      address: this.options.address,
      what: 'HDHomeRun discovery',
      log: this.options.log,
      onMessage: (message, remote) => this.onMessage(message, remote),
    });
    this.socket = socket;
  }

  private onMessage(message: Buffer, remote: RemoteInfo): void {
    let request: HdhrPacket;
    try {
      request = decodePacket(message);
    } catch (error) {
      if (error instanceof HdhrPacketError) this.options.log.debug({ from: remote.address, reason: error.message }, 'ignoring a malformed HDHomeRun packet');
      return;
    }
    const reply = discoverReply(request, this.options, this.options.baseUrlFor(remote.address));
    if (reply) this.socket?.send(reply, remote.port, remote.address);
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    await closeResponderSocket(socket);
  }
}
