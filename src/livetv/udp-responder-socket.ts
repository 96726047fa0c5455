import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Logger } from '../logging/logger.js';

/**
 * A UDP socket bound for a discovery responder (SSDP, HDHomeRun): resolves once bound, rejects
 * when the port cannot be had (the caller logs it and the tuner is still reachable by address).
 * Errors after binding are logged as `what`.
 */
export async function bindResponderSocket(options: {
  port: number;
  address: string;
  what: string;
  log: Logger;
  onMessage: (message: Buffer, remote: RemoteInfo) => void;
}): Promise<Socket> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  socket.on('message', options.onMessage);
  socket.on('error', (error) => options.log.warn({ err: error }, `${options.what} socket error`));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port, options.address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}

/** Closes a responder socket, if there is one; resolves once it is closed. */
export function closeResponderSocket(socket: Socket | undefined): Promise<void> {
  return socket ? new Promise<void>((resolve) => socket.close(() => resolve())) : Promise.resolve();
}
