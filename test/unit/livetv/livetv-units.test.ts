import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { guideChannelId, type ChannelInfo } from '../../../src/channels/channel-info.js';
import { baseUrlFor } from '../../../src/livetv/base-url.js';
import { formatDeviceId, generateDeviceId, isValidDeviceId, isValidDeviceIdText } from '../../../src/livetv/device-id.js';
import { DeviceIdentityError, loadOrCreateDeviceIdentity } from '../../../src/livetv/device-identity.js';
import { crc32, decodePacket, encodePacket, HDHR_TAG, HdhrPacketError, uint32Field } from '../../../src/livetv/hdhr-discovery-packet.js';
import { discoverReply } from '../../../src/livetv/hdhr-discovery-responder.js';
import { buildM3u } from '../../../src/livetv/m3u.js';
import { TunerPool } from '../../../src/livetv/tuner-pool.js';

const channel = (number: number, extra: Partial<ChannelInfo> = {}): ChannelInfo => ({
  number,
  name: `Channel ${number}`,
  callSign: `CH${number}`,
  group: 'Retrovue',
  enabled: true,
  timeZone: 'UTC',
  ...extra,
});

describe('HDHomeRun device id checksum', () => {
  it('generates only checksum-valid ids, never the wildcard', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (bytes) => {
        const id = generateDeviceId(() => Buffer.from(bytes));
        expect(isValidDeviceId(id)).toBe(true);
        expect(id).not.toBe(0xffffffff);
        expect(isValidDeviceIdText(formatDeviceId(id))).toBe(true);
      }),
    );
  });

  it('rejects an id with any single hex digit changed (the checksum catches every one-digit typo)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 15 }), (bytes, digit, delta) => {
        const id = generateDeviceId(() => Buffer.from(bytes));
        const shift = digit * 4;
        const changed = ((id & ~(0xf << shift)) | ((((id >>> shift) & 0xf) ^ delta) << shift)) >>> 0;
        expect(isValidDeviceId(changed)).toBe(false);
      }),
    );
  });

  it('agrees with ids checked by a separate port of libhdhomerun\'s rule', () => {
    // Produced with a Python transcription of hdhomerun_discover_validate_device_id.
    for (const id of ['128B2F33', '36F675CC', 'A09F76B5', '953F48F1']) expect(isValidDeviceIdText(id), id).toBe(true);
    for (const id of ['12345687', '10000000', '128B2F34']) expect(isValidDeviceIdText(id), id).toBe(false);
  });

  it('accepts only 8 upper-case hex digits as text', () => {
    const valid = formatDeviceId(generateDeviceId());
    expect(isValidDeviceIdText(valid)).toBe(true);
    expect(isValidDeviceIdText(valid.slice(1))).toBe(false);
    expect(isValidDeviceIdText(`${valid}0`)).toBe(false);
    expect(isValidDeviceIdText('XYZ12345')).toBe(false);
  });
});

describe('tuner identity file', () => {
  it('is created once and read back unchanged', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'retrovue-identity-'));
    const first = loadOrCreateDeviceIdentity(dir);
    expect(isValidDeviceIdText(first.deviceId)).toBe(true);
    expect(first.deviceAuth.length).toBeGreaterThan(0);
    expect(loadOrCreateDeviceIdentity(dir)).toEqual(first);
  });

  it('refuses a damaged file with the reason and leaves it as it was', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'retrovue-identity-'));
    const file = path.join(dir, 'device.json');
    const damaged = JSON.stringify({ deviceId: '12345678', deviceAuth: 'x', uuid: '785f91af-0ed3-48c2-a62a-72e5b62a0569' });
    writeFileSync(file, damaged);
    expect(() => loadOrCreateDeviceIdentity(dir)).toThrow(DeviceIdentityError);
    expect(() => loadOrCreateDeviceIdentity(dir)).toThrow(/not a valid HDHomeRun device ID/);
    expect(readFileSync(file, 'utf8')).toBe(damaged);
    writeFileSync(file, '{not json');
    expect(() => loadOrCreateDeviceIdentity(dir)).toThrow(/not valid JSON/);
  });
});

describe('M3U playlist', () => {
  it('lists enabled channels in number order, tvg-id equal to the guide id, and keeps quotes and line breaks out of fields', () => {
    const text = buildM3u(
      [channel(3), channel(1, { name: 'The "Best"\nChannel', group: 'Movies' }), channel(2, { enabled: false })],
      'http://tv.local:8080',
      'ts',
    );
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('#EXTM3U url-tvg="http://tv.local:8080/xmltv.xml" x-tvg-url="http://tv.local:8080/xmltv.xml"');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe(
      `#EXTINF:-1 tvg-id="${guideChannelId(1)}" tvg-chno="1" tvg-name="The 'Best' Channel" tvg-logo="http://tv.local:8080/channel/1/logo" group-title="Movies",The "Best" Channel`,
    );
    expect(lines[2]).toBe('http://tv.local:8080/channel/1.ts');
    expect(lines[3]).toContain(`tvg-id="${guideChannelId(3)}"`);
    expect(buildM3u([channel(1)], 'http://h', 'hls')).toContain('\nhttp://h/channel/1.m3u8\n');
  });
});

describe('tuner pool', () => {
  it('shares a tuner between viewers of one channel and refuses a new channel when all are tuned', () => {
    const pool = new TunerPool(2);
    const a1 = pool.acquire(1)!;
    const a2 = pool.acquire(1)!;
    const b = pool.acquire(2)!;
    expect(pool.acquire(3)).toBeUndefined();
    a1.release();
    a1.release(); // idempotent: must not free channel 1's tuner while a2 still watches
    expect(pool.acquire(3)).toBeUndefined();
    a2.release();
    const c = pool.acquire(3);
    expect(c).toBeDefined();
    expect(pool.tunedChannels()).toEqual([2, 3]);
    b.release();
    c!.release();
    expect(pool.busy).toBe(0);
  });
});

describe('BaseURL', () => {
  async function baseUrlSeen(publicUrl: string | undefined, host: string): Promise<string> {
    const app = Fastify();
    app.get('/', async (request) => ({ base: baseUrlFor(request, publicUrl) }));
    const response = await app.inject({ method: 'GET', url: '/', headers: { host } });
    await app.close();
    return (response.json() as { base: string }).base;
  }

  it('follows the Host header, prefers server.public_url, and never echoes a malformed host', async () => {
    expect(await baseUrlSeen(undefined, '192.168.1.10:8080')).toBe('http://192.168.1.10:8080');
    expect(await baseUrlSeen(undefined, '[fe80::1]:8080')).toBe('http://[fe80::1]:8080');
    expect(await baseUrlSeen('https://tv.example.com/', '192.168.1.10:8080')).toBe('https://tv.example.com');
    expect(await baseUrlSeen(undefined, 'evil"><x>')).not.toContain('evil');
  });
});

describe('HDHomeRun discovery packets', () => {
  it('agree with zlib on the CRC and round-trip fields, long ones included', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(crc32(Buffer.from(bytes))).toBe(zlibCrc32(Buffer.from(bytes)));
      }),
    );
    const long = Buffer.alloc(300, 0x61);
    const packet = encodePacket({ type: 3, fields: [uint32Field(HDHR_TAG.deviceId, 0x1234abcd), { tag: HDHR_TAG.baseUrl, value: long }] });
    const decoded = decodePacket(packet);
    expect(decoded.type).toBe(3);
    expect(decoded.fields[0]!.value.readUInt32BE(0)).toBe(0x1234abcd);
    expect(decoded.fields[1]!.value.equals(long)).toBe(true);
    const corrupt = Buffer.from(packet);
    corrupt[10] ^= 0xff;
    expect(() => decodePacket(corrupt)).toThrow(HdhrPacketError);
  });

  it('answers a wildcard or matching discover request, and ignores requests for other devices or types', () => {
    const tuner = { deviceId: formatDeviceId(generateDeviceId()), deviceAuth: 'auth', tunerCount: 2 };
    const request = (type: number, id: number) => ({ type: 2, fields: [uint32Field(HDHR_TAG.deviceType, type), uint32Field(HDHR_TAG.deviceId, id)] });
    const reply = discoverReply(request(1, 0xffffffff), tuner, 'http://10.0.0.5:8080');
    expect(reply).toBeDefined();
    const fields = new Map(decodePacket(reply!).fields.map((f) => [f.tag, f.value]));
    expect(fields.get(HDHR_TAG.deviceId)!.readUInt32BE(0)).toBe(Number.parseInt(tuner.deviceId, 16));
    expect(fields.get(HDHR_TAG.tunerCount)![0]).toBe(2);
    expect(fields.get(HDHR_TAG.lineupUrl)!.toString()).toBe('http://10.0.0.5:8080/lineup.json');
    expect(discoverReply(request(0xffffffff, Number.parseInt(tuner.deviceId, 16)), tuner, 'http://x')).toBeDefined();
    expect(discoverReply(request(5, 0xffffffff), tuner, 'http://x')).toBeUndefined();
    expect(discoverReply(request(1, (Number.parseInt(tuner.deviceId, 16) ^ 1) >>> 0), tuner, 'http://x')).toBeUndefined();
  });
});
