import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { convert } from 'xmlbuilder2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guideChannelId } from '../../../src/channels/channel-info.js';
import { isValidDeviceIdText } from '../../../src/livetv/device-id.js';
import { decodePacket } from '../../../src/livetv/hdhr-discovery-packet.js';
import { fetchPlaylist, readStreamFor, saveTo, streamFacts } from '../../helpers/hls.js';
import { makeClips } from '../../helpers/media.js';
import { startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

const run = promisify(execFile);

/** A UDP port free on loopback right now (for the discovery responders under test). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Sends one datagram to 127.0.0.1:port and collects the answers that arrive within `ms`. */
async function askOnLoopback(port: number, message: Buffer, ms: number, wanted: number): Promise<Buffer[]> {
  const socket = createSocket('udp4');
  const answers: Buffer[] = [];
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      socket.close();
      resolve(answers);
    };
    const timer = setTimeout(finish, ms);
    socket.on('message', (answer) => {
      answers.push(answer);
      if (answers.length >= wanted) finish();
    });
    socket.send(message, port, '127.0.0.1');
  });
}

/** GET with a chosen Host header (what a media server on the LAN would send). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { host } }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .once('error', reject);
  });
}

/** Opens a stream and keeps it open until close(); `status` resolves with the response status. */
function holdStream(streamUrl: string): { status: Promise<number>; close(): void } {
  let request: http.ClientRequest | undefined;
  const status = new Promise<number>((resolve, reject) => {
    request = http.get(streamUrl, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)));
  });
  return { status, close: () => request?.destroy() };
}

/** PIDs of the first `count` MPEG-TS packets. */
function firstPids(data: Buffer, count: number): number[] {
  return Array.from({ length: count }, (_, i) => ((data[i * 188 + 1]! & 0x1f) << 8) | data[i * 188 + 2]!);
}

/** Stream types listed in the PMT that follows the PAT (0x1B H.264, 0x0F AAC). */
function pmtStreamTypes(data: Buffer): number[] {
  const pat = data.subarray(0, 188);
  const patSection = 5 + pat[4]!; // after the pointer field
  const pmtPid = ((pat[patSection + 8 + 2]! & 0x1f) << 8) | pat[patSection + 8 + 3]!;
  for (let offset = 0; offset + 188 <= data.length; offset += 188) {
    const pid = ((data[offset + 1]! & 0x1f) << 8) | data[offset + 2]!;
    if (pid !== pmtPid) continue;
    const section = offset + 5 + data[offset + 4]!;
    const sectionLength = ((data[section + 1]! & 0x0f) << 8) | data[section + 2]!;
    const programInfoLength = ((data[section + 10]! & 0x0f) << 8) | data[section + 11]!;
    const types: number[] = [];
    let at = section + 12 + programInfoLength;
    const end = section + 3 + sectionLength - 4;
    while (at < end) {
      types.push(data[at]!);
      at += 5 + (((data[at + 3]! & 0x0f) << 8) | data[at + 4]!);
    }
    return types;
  }
  return [];
}

describe('Live TV: HDHomeRun emulation, M3U, logos, discovery, tuner limit (real server)', () => {
  let server: RunningServer;
  let work: string;
  let ssdpPort: number;
  let udpDiscoveryPort: number;
  let config: ReturnType<typeof testConfig> & Record<string, unknown>;

  beforeAll(async () => {
    work = tempDir('livetv');
    const media = path.join(work, 'media');
    await makeClips(media, [{ name: 'a.mp4', seconds: 3, size: '160x90', rate: 25 }]);
    ssdpPort = await freeUdpPort();
    udpDiscoveryPort = await freeUdpPort();
    config = {
      ...testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { channels: 3, idle_timeout: 5 } }),
      // A short guide window: a 3-second clip looped over days would be tens of thousands of programmes.
      guide: { days: 0.02, history_hours: 0 },
      // Discovery bound to loopback only: nothing here ever leaves this machine.
      hdhr: { tuner_count: 2, ssdp: true, ssdp_port: ssdpPort, udp_discovery: true, udp_discovery_port: udpDiscoveryPort, discovery_address: '127.0.0.1', friendly_name: 'Retrovue Test' },
    };
    server = await startServer(config);
  });

  afterAll(async () => {
    await server?.stop();
  });

  const url = (p: string) => `${server.baseUrl}${p}`;
  const getJson = async <T>(p: string): Promise<{ status: number; body: T; type: string | null }> => {
    const response = await fetch(url(p));
    return { status: response.status, body: (await response.json()) as T, type: response.headers.get('content-type') };
  };

  it('answers HEAD for a channel stream without starting its encoder', async () => {
    const response = await fetch(url('/channel/3.ts'), { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mpeg');
    const health = await getJson<{ channels: Array<{ number: number; state: string; encoder: { pid: number | null } }> }>('/api/health');
    const three = health.body.channels.find((c) => c.number === 3)!;
    expect(three.encoder.pid).toBeNull();
    expect(three.state).not.toBe('live');
  });

  it('serves discover.json with the fields and types Plex reads, a checksum-valid DeviceID and BaseURL from the Host header', async () => {
    const { status, body, type } = await getJson<Record<string, unknown>>('/discover.json');
    expect(status).toBe(200);
    expect(type).toMatch(/^application\/json/);
    for (const key of ['FriendlyName', 'Manufacturer', 'ModelNumber', 'FirmwareName', 'FirmwareVersion', 'DeviceID', 'DeviceAuth', 'BaseURL', 'LineupURL']) {
      expect(typeof body[key], key).toBe('string');
      expect((body[key] as string).length, key).toBeGreaterThan(0);
    }
    expect(body.TunerCount).toBe(2);
    expect(body.FriendlyName).toBe('Retrovue Test');
    expect(body.Manufacturer).toBe('Silicondust');
    expect(isValidDeviceIdText(body.DeviceID as string)).toBe(true);
    expect(body.BaseURL).toBe(server.baseUrl);
    expect(body.LineupURL).toBe(`${server.baseUrl}/lineup.json`);

    const viaLan = JSON.parse((await getWithHost(url('/discover.json'), '192.168.7.20:8080')).body) as Record<string, string>;
    expect(viaLan.BaseURL).toBe('http://192.168.7.20:8080');
    expect(viaLan.LineupURL).toBe('http://192.168.7.20:8080/lineup.json');
    const lineupViaLan = JSON.parse((await getWithHost(url('/lineup.json'), '192.168.7.20:8080')).body) as Array<{ URL: string }>;
    expect(lineupViaLan[0]!.URL).toBe('http://192.168.7.20:8080/channel/1.ts');
  });

  it('serves lineup_status.json and accepts lineup.post scan start/abort, refusing anything else with a JSON 400', async () => {
    const status = await getJson<Record<string, unknown>>('/lineup_status.json');
    expect(status.body).toMatchObject({ ScanInProgress: 0, ScanPossible: 1 });
    expect(typeof status.body.Source).toBe('string');
    for (const action of ['start', 'abort']) {
      const posted = await fetch(url(`/lineup.post?scan=${action}`), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
      expect(posted.status, action).toBe(200);
    }
    expect((await fetch(url('/lineup.post?scan=start'), { method: 'POST' })).status).toBe(200);
    const bad = await fetch(url('/lineup.post?scan=rewind'), { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'bad_request', message: expect.stringContaining('rewind') });
  });

  it('serves device.xml as a UPnP MediaServer with the same identity, and keeps it in <data_dir>/device.json', async () => {
    const discover = (await getJson<Record<string, string>>('/discover.json')).body;
    const response = await fetch(url('/device.xml'));
    expect(response.headers.get('content-type')).toMatch(/xml/);
    const xml = convert(await response.text(), { format: 'object' }) as { root: { URLBase: string; device: Record<string, string> } };
    expect(xml.root.URLBase).toBe(server.baseUrl);
    expect(xml.root.device.deviceType).toBe('urn:schemas-upnp-org:device:MediaServer:1');
    expect(xml.root.device.friendlyName).toBe('Retrovue Test');
    expect(xml.root.device.manufacturer).toBe('Silicondust');
    expect(xml.root.device.modelNumber).toBe(discover.ModelNumber);
    expect(xml.root.device.serialNumber).toBe(discover.DeviceID);
    expect(xml.root.device.UDN).toMatch(/^uuid:[0-9a-f-]{36}$/);
    expect(existsSync(path.join(server.dataDir, 'device.json'))).toBe(true);
  });

  it('lists every channel in lineup.json, and a lineup URL plays: chunked MPEG-TS opening on PAT, PMT (H.264 + AAC) and a keyframe', async () => {
    const { body: lineup } = await getJson<Array<Record<string, unknown>>>('/lineup.json');
    expect(lineup.map((entry) => entry.GuideNumber)).toEqual(['1', '2', '3']);
    for (const entry of lineup) {
      expect(typeof entry.GuideName).toBe('string');
      expect(entry.HD).toBe(1);
      expect(entry.URL).toBe(url(`/channel/${entry.GuideNumber as string}.ts`));
    }
    const result = await readStreamFor(lineup[0]!.URL as string, 5000);
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe('video/mpeg'); // as a real HDHomeRun answers
    expect(result.headers['transfer-encoding']).toBe('chunked');
    expect(result.headers['content-length']).toBeUndefined();
    expect(result.data[0]).toBe(0x47);
    expect(firstPids(result.data, 1)).toEqual([0]); // PAT first
    expect(pmtStreamTypes(result.data).sort()).toEqual([0x0f, 0x1b]);
    const file = await saveTo(path.join(work, 'lineup-1.ts'), result.data);
    const facts = await streamFacts(file);
    expect(facts.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'frame=key_frame', '-read_intervals', '%+#1', '-of', 'csv=p=0', file]);
    expect(stdout.trim().split('\n')[0]!.split(',')[0]).toBe('1'); // the first video frame is a keyframe
  });

  it('serves channels.m3u: url-tvg, tvg-ids equal to the guide ids, logos, .ts URLs that play and ?format=hls playlists', async () => {
    const response = await fetch(url('/channels.m3u'));
    expect(response.status).toBe(200);
    const text = await response.text();
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^#EXTM3U url-tvg="([^"]+)"/);
    expect(lines[0]).toContain(`url-tvg="${url('/xmltv.xml')}"`);
    const entries = lines.slice(1).reduce<Array<{ info: string; url: string }>>((list, line, i, all) => (i % 2 === 0 ? [...list, { info: line, url: all[i + 1]! }] : list), []);
    expect(entries).toHaveLength(3);
    const attribute = (info: string, key: string) => new RegExp(`${key}="([^"]*)"`).exec(info)?.[1];
    entries.forEach((entry, i) => {
      expect(entry.info.startsWith('#EXTINF:-1 ')).toBe(true);
      expect(attribute(entry.info, 'tvg-id')).toBe(guideChannelId(i + 1));
      expect(attribute(entry.info, 'tvg-chno')).toBe(String(i + 1));
      expect(attribute(entry.info, 'tvg-name')).toBeTruthy();
      expect(attribute(entry.info, 'group-title')).toBeTruthy();
      expect(attribute(entry.info, 'tvg-logo')).toBe(url(`/channel/${i + 1}/logo`));
      expect(entry.url).toBe(url(`/channel/${i + 1}.ts`));
    });

    const playing = await readStreamFor(entries[1]!.url, 4000);
    expect(playing.status).toBe(200);
    const facts = await streamFacts(await saveTo(path.join(work, 'm3u-2.ts'), playing.data));
    expect(facts.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);

    const hls = await (await fetch(url('/channels.m3u?format=hls'))).text();
    const hlsUrls = hls.split('\n').filter((line) => line.startsWith('http'));
    expect(hlsUrls).toEqual([1, 2, 3].map((n) => url(`/channel/${n}.m3u8`)));
    const { playlist } = await fetchPlaylist(hlsUrls[0]!);
    expect(playlist.segments.length).toBeGreaterThan(0);

    const bad = await fetch(url('/channels.m3u?format=mp4'));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'bad_request' });
  });

  it('matches the XMLTV guide: M3U tvg-ids and logos, and lineup GuideNumber/GuideName, are the guide\'s channel ids, icons and display names', async () => {
    const guide = await fetch(url('/xmltv.xml'));
    expect(guide.status).toBe(200);
    const xml = await guide.text();
    const guideChannels = [...xml.matchAll(/<channel id="([^"]+)">([\s\S]*?)<\/channel>/g)].map((m) => ({
      id: m[1]!,
      names: [...m[2]!.matchAll(/<display-name>([^<]*)<\/display-name>/g)].map((n) => n[1]),
      icon: /<icon src="([^"]+)"/.exec(m[2]!)?.[1],
    }));
    const m3u = await (await fetch(url('/channels.m3u'))).text();
    const m3uEntries = [...m3u.matchAll(/tvg-id="([^"]+)".*tvg-logo="([^"]+)"/g)].map((m) => ({ id: m[1]!, logo: m[2]! }));
    expect(m3uEntries).toHaveLength(3);
    expect(guideChannels.map((c) => c.id).sort()).toEqual(m3uEntries.map((e) => e.id).sort());
    for (const entry of m3uEntries) expect(guideChannels.find((c) => c.id === entry.id)!.icon).toBe(entry.logo);
    const { body: lineup } = await getJson<Array<{ GuideNumber: string; GuideName: string }>>('/lineup.json');
    for (const [i, entry] of lineup.entries()) {
      const names = guideChannels.find((c) => c.id === m3uEntries[i]!.id)!.names;
      expect(names).toContain(entry.GuideNumber);
      expect(names).toContain(entry.GuideName);
    }
  });

  it('serves a generated call-sign logo as a PNG, drawn once and cached, and a JSON 404 for an unknown channel', async () => {
    const first = await fetch(url('/channel/2/logo'));
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await first.arrayBuffer());
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    const facts = await streamFacts(await saveTo(path.join(work, 'logo.png'), png));
    expect(facts.streams[0]).toMatchObject({ codec_name: 'png', width: 480, height: 270 });
    const cached = readdirSync(path.join(server.dataDir, 'logos'));
    expect(cached.filter((name) => name.startsWith('channel-2-'))).toHaveLength(1);
    const again = Buffer.from(await (await fetch(url('/channel/2/logo'))).arrayBuffer());
    expect(again.equals(png)).toBe(true);
    expect(readdirSync(path.join(server.dataDir, 'logos'))).toEqual(cached);

    const missing = await fetch(url('/channel/9/logo'));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'unknown_channel' });
  });

  it('answers an SSDP M-SEARCH sent on loopback with device.xml\'s location', async () => {
    const search = Buffer.from(
      ['M-SEARCH * HTTP/1.1', 'HOST: 239.255.255.250:1900', 'MAN: "ssdp:discover"', 'MX: 1', 'ST: urn:schemas-upnp-org:device:MediaServer:1', '', ''].join('\r\n'),
    );
    const [answer] = await askOnLoopback(ssdpPort, search, 5000, 1);
    expect(answer, 'no SSDP answer').toBeDefined();
    const text = answer!.toString();
    expect(text.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(text)?.[1]?.trim();
    expect(header('ST')).toBe('urn:schemas-upnp-org:device:MediaServer:1');
    expect(header('LOCATION')).toBe(url('/device.xml'));
    const deviceXml = await (await fetch(header('LOCATION')!)).text();
    const udn = /<UDN>([^<]+)<\/UDN>/.exec(deviceXml)?.[1];
    expect(header('USN')).toBe(`${udn}::urn:schemas-upnp-org:device:MediaServer:1`);
  });

  it('answers an HDHomeRun UDP discover request sent on loopback with its id, tuner count and URLs', async () => {
    // Built by hand from the protocol description: discover request, device type tuner, id wildcard.
    const payload = Buffer.from([0x01, 4, 0, 0, 0, 1, 0x02, 4, 0xff, 0xff, 0xff, 0xff]);
    const body = Buffer.concat([Buffer.from([0x00, 0x02, 0x00, payload.length]), payload]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32LE(zlibCrc32(body), 0);
    const [answer] = await askOnLoopback(udpDiscoveryPort, Buffer.concat([body, crc]), 5000, 1);
    expect(answer, 'no discovery answer').toBeDefined();
    expect(answer!.readUInt32LE(answer!.length - 4)).toBe(zlibCrc32(answer!.subarray(0, -4)));
    const reply = decodePacket(answer!);
    expect(reply.type).toBe(0x0003);
    const fields = new Map(reply.fields.map((f) => [f.tag, f.value]));
    const discover = (await getJson<Record<string, string>>('/discover.json')).body;
    expect(fields.get(0x02)!.readUInt32BE(0).toString(16).toUpperCase().padStart(8, '0')).toBe(discover.DeviceID);
    expect(fields.get(0x10)![0]).toBe(2);
    expect(fields.get(0x2a)!.toString()).toBe(server.baseUrl);
    expect(fields.get(0x27)!.toString()).toBe(url('/lineup.json'));
  });

  it('answers 503 (all tuners in use) for a third channel while two are tuned, shares a tuned channel, and frees the tuner on hang-up', async () => {
    const holding = [holdStream(url('/channel/1.ts')), holdStream(url('/channel/2.ts'))];
    try {
      expect(await Promise.all(holding.map((h) => h.status))).toEqual([200, 200]);
      const busy = await fetch(url('/channel/3.ts'));
      expect(busy.status).toBe(503);
      expect(busy.headers.get('x-hdhomerun-error')).toMatch(/^805/);
      expect(await busy.json()).toMatchObject({ error: 'tuners_busy', message: expect.stringContaining('hdhr.tuner_count') });
      const sameChannel = await readStreamFor(url('/channel/1.ts'), 1500);
      expect(sameChannel.status).toBe(200);
    } finally {
      for (const hold of holding) hold.close();
    }
    const freed = await waitFor('a tuner to be free again', async () => {
      const result = await readStreamFor(url('/channel/3.ts'), 1500);
      return result.status === 200 ? result : undefined;
    }, 15_000);
    expect(freed.data[0]).toBe(0x47);
  }, 45_000); // three cold starts: on a loaded 2-core machine they exceed the 20 s default

  it('keeps the same DeviceID across a restart', async () => {
    const before = (await getJson<Record<string, string>>('/discover.json')).body.DeviceID;
    await server.stop();
    server = await startServer(config);
    expect((await getJson<Record<string, string>>('/discover.json')).body.DeviceID).toBe(before);
  });
});
