import { create } from 'xmlbuilder2';
import type { ChannelInfo } from '../channels/channel-info.js';
import type { DeviceIdentity } from './device-identity.js';

/**
 * The documents a SiliconDust HDHomeRun serves over HTTP, in the shape and types Plex,
 * Jellyfin and Emby parse. Model and firmware are those of the HDTC-2US ("TECH" transcoding
 * model), which media servers accept for H.264 streams; the real values matter because Plex
 * refuses tuners it cannot classify.
 */
export const HDHR_MANUFACTURER = 'Silicondust';
export const HDHR_MODEL_NUMBER = 'HDTC-2US';
export const HDHR_FIRMWARE_NAME = 'hdhomeruntc_atsc';
export const HDHR_FIRMWARE_VERSION = '20240101';

export interface TunerDescription {
  identity: DeviceIdentity;
  friendlyName: string;
  tunerCount: number;
  /** Where this client reaches us, without a trailing slash. */
  baseUrl: string;
}

export interface DiscoverDocument {
  FriendlyName: string;
  Manufacturer: string;
  ManufacturerURL: string;
  ModelNumber: string;
  FirmwareName: string;
  FirmwareVersion: string;
  DeviceID: string;
  DeviceAuth: string;
  BaseURL: string;
  LineupURL: string;
  TunerCount: number;
}

export function discoverDocument(tuner: TunerDescription): DiscoverDocument {
  return {
    FriendlyName: tuner.friendlyName,
    Manufacturer: HDHR_MANUFACTURER,
    ManufacturerURL: 'https://github.com/retrovue',
    ModelNumber: HDHR_MODEL_NUMBER,
    FirmwareName: HDHR_FIRMWARE_NAME,
    FirmwareVersion: HDHR_FIRMWARE_VERSION,
    DeviceID: tuner.identity.deviceId,
    DeviceAuth: tuner.identity.deviceAuth,
    BaseURL: tuner.baseUrl,
    LineupURL: `${tuner.baseUrl}/lineup.json`,
    TunerCount: tuner.tunerCount,
  };
}

export interface LineupEntry {
  /** A string, as real tuners send it ("5.1"); Plex matches it against the guide. */
  GuideNumber: string;
  GuideName: string;
  /** Jellyfin reads these to skip probing. */
  VideoCodec: 'H264';
  AudioCodec: 'AAC';
  HD: 1;
  URL: string;
  /** Not part of SiliconDust's schema (clients ignore unknown keys); for tools that show logos. */
  LogoURL: string;
}

export function channelStreamUrl(baseUrl: string, channelNumber: number, format: 'ts' | 'hls' = 'ts'): string {
  return `${baseUrl}/channel/${channelNumber}.${format === 'hls' ? 'm3u8' : 'ts'}`;
}

export function channelLogoUrl(baseUrl: string, channelNumber: number): string {
  return `${baseUrl}/channel/${channelNumber}/logo`;
}

/** Enabled channels in guide-number order. */
export function lineupDocument(channels: ChannelInfo[], baseUrl: string): LineupEntry[] {
  return channels
    .filter((channel) => channel.enabled)
    .sort((a, b) => a.number - b.number)
    .map((channel) => ({
      GuideNumber: String(channel.number),
      GuideName: channel.name,
      VideoCodec: 'H264',
      AudioCodec: 'AAC',
      HD: 1,
      URL: channelStreamUrl(baseUrl, channel.number),
      LogoURL: channelLogoUrl(baseUrl, channel.number),
    }));
}

export interface LineupStatus {
  ScanInProgress: 0 | 1;
  ScanPossible: 1;
  Source: 'Cable';
  SourceList: ['Cable'];
}

/**
 * Retrovue's lineup is always known, so a "scan" completes the moment it starts: the status
 * never reports one in progress and the media server reads lineup.json straight away.
 */
export function lineupStatusDocument(): LineupStatus {
  return { ScanInProgress: 0, ScanPossible: 1, Source: 'Cable', SourceList: ['Cable'] };
}

/** UPnP device description (what SSDP's LOCATION points at), with discover.json's identity. */
export function deviceXml(tuner: TunerDescription): string {
  const document = create({ version: '1.0', encoding: 'UTF-8' })
    .ele('urn:schemas-upnp-org:device-1-0', 'root')
    .ele('URLBase').txt(tuner.baseUrl).up()
    .ele('specVersion').ele('major').txt('1').up().ele('minor').txt('0').up().up()
    .ele('device')
    .ele('deviceType').txt('urn:schemas-upnp-org:device:MediaServer:1').up()
    .ele('friendlyName').txt(tuner.friendlyName).up()
    .ele('manufacturer').txt(HDHR_MANUFACTURER).up()
    .ele('manufacturerURL').txt('https://github.com/retrovue').up()
    .ele('modelName').txt(HDHR_MODEL_NUMBER).up()
    .ele('modelNumber').txt(HDHR_MODEL_NUMBER).up()
    .ele('serialNumber').txt(tuner.identity.deviceId).up()
    .ele('UDN').txt(`uuid:${tuner.identity.uuid}`).up()
    .up();
  return document.end({ prettyPrint: true });
}
