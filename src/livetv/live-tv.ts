import type { RetrovueConfig } from '../config/schema.js';
import type { Toolchain } from '../ffmpeg/toolchain.js';
import type { Logger } from '../logging/logger.js';
import { ChannelLogos } from './channel-logos.js';
import { loadOrCreateDeviceIdentity, type DeviceIdentity } from './device-identity.js';
import { TunerPool } from './tuner-pool.js';

/** The Live TV side of one running server: its tuner identity, its tuners, its logos. */
export interface LiveTv {
  identity: DeviceIdentity;
  tuners: TunerPool;
  logos: ChannelLogos;
}

/**
 * Made once by `serve` and handed to the server, so the .ts route and the Live TV routes share
 * one tuner pool. Reads or creates `<data_dir>/device.json` (a damaged one throws
 * DeviceIdentityError, which serve reports).
 */
export function createLiveTv(config: RetrovueConfig, toolchain: Toolchain, log: Logger, brandColour?: (channelNumber: number) => string | undefined): LiveTv {
  return {
    identity: loadOrCreateDeviceIdentity(config.data_dir),
    tuners: new TunerPool(config.hdhr.tuner_count),
    logos: new ChannelLogos({ dataDir: config.data_dir, ffmpegPath: toolchain.ffmpegPath, log: log.child({ component: 'logos' }), ...(brandColour ? { brandColour } : {}) }),
  };
}
