import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatDeviceId, generateDeviceId, isValidDeviceIdText } from './device-id.js';

/**
 * Who this tuner is to Plex/Jellyfin/Emby. It must not change across restarts: media servers
 * key their channel-to-guide mapping on DeviceID, and a new ID means setting Live TV up again.
 */
export interface DeviceIdentity {
  /** 8 hex digits, checksum-valid. */
  deviceId: string;
  /** Any non-empty token; real tuners use it for SiliconDust's guide service. */
  deviceAuth: string;
  /** UPnP UDN for device.xml and SSDP (without the "uuid:" prefix). */
  uuid: string;
}

export class DeviceIdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceIdentityError';
  }
}

export const DEVICE_FILE_NAME = 'device.json';

function parseIdentity(file: string, text: string): DeviceIdentity {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DeviceIdentityError(`${file} is not valid JSON (${(error as Error).message}); fix it or delete it to get a new tuner identity`);
  }
  const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const { deviceId, deviceAuth, uuid } = record;
  if (typeof deviceId !== 'string' || !isValidDeviceIdText(deviceId)) {
    throw new DeviceIdentityError(
      `${file}: deviceId ${JSON.stringify(deviceId)} is not a valid HDHomeRun device ID (8 hex digits with a valid checksum); fix it or delete the file`,
    );
  }
  if (typeof deviceAuth !== 'string' || deviceAuth.length === 0) throw new DeviceIdentityError(`${file}: deviceAuth must be a non-empty string`);
  if (typeof uuid !== 'string' || !/^[0-9a-f-]{36}$/i.test(uuid)) throw new DeviceIdentityError(`${file}: uuid must be a UUID`);
  return { deviceId, deviceAuth, uuid };
}

/**
 * Reads `<dataDir>/device.json`, creating it once with a fresh identity. A damaged file is an
 * error rather than silently replaced: replacing it would orphan the media server's setup.
 */
export function loadOrCreateDeviceIdentity(dataDir: string): DeviceIdentity {
  const file = path.join(dataDir, DEVICE_FILE_NAME);
  if (existsSync(file)) return parseIdentity(file, readFileSync(file, 'utf8'));
  const identity: DeviceIdentity = {
    deviceId: formatDeviceId(generateDeviceId()),
    deviceAuth: randomBytes(18).toString('base64url'),
    uuid: randomUUID(),
  };
  mkdirSync(dataDir, { recursive: true });
  // Write then rename, so a crash never leaves a half-written identity behind.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(identity, null, 2)}\n`);
  renameSync(temporary, file);
  return identity;
}
