import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, tempDir, testConfig, type RunningServer } from '../../helpers/server.js';

const run = promisify(execFile);
const DTD = fileURLToPath(new URL('../../fixtures/xmltv.dtd', import.meta.url));

/** A long but tiny clip (64x36, 2 fps) with chapter markers, so a real schedule has act breaks. */
async function makeClip(file: string, seconds: number, chapterStarts: number[] = []): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `color=c=navy:size=64x36:rate=2:duration=${seconds}`,
    '-f', 'lavfi', '-i', `anullsrc=channel_layout=mono:sample_rate=8000`];
  if (chapterStarts.length) {
    const meta = `${file}.ffmeta`;
    const bounds = [...chapterStarts, seconds];
    await writeFile(meta, ';FFMETADATA1\n' + chapterStarts.map((s, i) => `[CHAPTER]\nTIMEBASE=1/1000\nSTART=${s * 1000}\nEND=${bounds[i + 1]! * 1000}\ntitle=Act ${i + 1}\n`).join(''));
    args.push('-f', 'ffmetadata', '-i', meta, '-map', '0:v', '-map', '1:a', '-map_chapters', '2');
  }
  args.push('-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-b:a', '16k', '-shortest', file);
  await run('ffmpeg', args);
}

interface Programme { channel: string; startMs: number; stopMs: number; title: string; subTitle?: string }

function parseProgrammes(xml: string): Programme[] {
  const time = (s: string) => DateTime.fromFormat(s, 'yyyyLLddHHmmss ZZZ').toMillis();
  return [...xml.matchAll(/<programme start="([^"]+)" stop="([^"]+)" channel="([^"]+)">([\s\S]*?)<\/programme>/g)].map((m) => ({
    startMs: time(m[1]!),
    stopMs: time(m[2]!),
    channel: m[3]!,
    title: /<title[^>]*>([^<]*)<\/title>/.exec(m[4]!)![1]!,
    ...(/<sub-title[^>]*>([^<]*)</.exec(m[4]!) ? { subTitle: /<sub-title[^>]*>([^<]*)</.exec(m[4]!)![1]! } : {}),
  }));
}

const schedule = {
  blocks: [
    { name: 'Sitcom Marathon', start: '00:00', minutes: 720, content: { type: 'show', show: 'Sitcom' } },
    { name: 'Sitcom Shuffle', start: '12:00', minutes: 600, content: { type: 'show', show: 'Sitcom', order: 'shuffle' } },
  ],
};

describe('schedule mode: channels, schedules, /now and the XMLTV guide (real server)', () => {
  let server: RunningServer;
  let work: string;
  let config: ReturnType<typeof testConfig> & Record<string, unknown>;
  const url = (p: string) => `${server.baseUrl}${p}`;
  const json = async (p: string, init?: RequestInit) => {
    const response = await fetch(url(p), { ...init, ...(init?.body ? { headers: { 'content-type': 'application/json' } } : {}) });
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    work = tempDir('schedule');
    const media = path.join(work, 'media');
    await Promise.all([
      makeClip(path.join(media, 'Sitcom', 'Season 1', 'Sitcom - S01E01 - Pilot.mp4'), 22 * 60, [0, 7 * 60, 15 * 60]),
      makeClip(path.join(media, 'Sitcom', 'Season 1', 'Sitcom - S01E02 - The Move.mp4'), 21 * 60, [0, 8 * 60]),
      makeClip(path.join(media, 'commercials', 'Soda.mp4'), 30),
      makeClip(path.join(media, 'commercials', 'Cereal.mp4'), 15),
      makeClip(path.join(media, 'bumpers', 'Back Soon.mp4'), 5),
    ]);
    config = {
      ...testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { mode: 'schedule' } }),
      channels: [{ number: 1, name: 'Test One', call_sign: 'TST1', time_zone: 'America/New_York', schedule }],
      guide: { days: 1, history_hours: 1 },
    };
    server = await startServer(config as ReturnType<typeof testConfig>);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('serves an XMLTV guide that validates against the DTD, breaks folded into programmes', async () => {
    const response = await fetch(url('/xmltv.xml'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/xml/);
    const xml = await response.text();
    const file = path.join(work, 'guide.xml');
    await writeFile(file, xml);
    await run('xmllint', ['--noout', '--dtdvalid', DTD, file]); // throws with xmllint's message when invalid
    expect(xml).toContain('<channel id="1.retrovue">');
    expect(xml).toContain('<display-name>TST1</display-name>');
    expect(xml).toMatch(/<icon src="http:\/\/127\.0\.0\.1:\d+\/channel\/1\/logo"\/>/);
    expect(xml).toContain('<episode-num system="xmltv_ns">0.0.</episode-num>');
    expect(xml).toContain('<episode-num system="onscreen">S01E01</episode-num>');
    const programmes = parseProgrammes(xml);
    expect(programmes.length).toBeGreaterThan(20);
    // Contiguous, and the start/stop carry New York's offset.
    for (let i = 1; i < programmes.length; i += 1) expect(programmes[i]!.startMs).toBe(programmes[i - 1]!.stopMs);
    expect(xml).toMatch(/start="\d{14} -0[45]00"/);
    // A sitcom programme holds the episode and its breaks: longer than the episode, on whole seconds.
    const sitcom = programmes.filter((p) => p.title === 'Sitcom' && p.startMs > Date.now());
    expect(sitcom.length).toBeGreaterThan(4);
    // (A programme cut short by a block's end, under the blocks' `cut` policy, is the exception.)
    const endsABlock = (p: Programme) => ['00:00', '12:00', '22:00'].includes(DateTime.fromMillis(p.stopMs, { zone: 'America/New_York' }).toFormat('HH:mm'));
    const whole = sitcom.filter((p) => !endsABlock(p));
    expect(whole.length).toBeGreaterThan(4);
    for (const p of whole) expect(p.stopMs - p.startMs, `${new Date(p.startMs).toISOString()}–${new Date(p.stopMs).toISOString()}`).toBeGreaterThanOrEqual(21 * 60_000);
  });

  it('INV-TL-1: /now agrees with the guide at the same instant, with offset and next', async () => {
    const xml = await (await fetch(url('/xmltv.xml'))).text();
    const programmes = parseProgrammes(xml);
    for (const offsetMs of [0, 3600_000, 5 * 3600_000 + 123_456]) {
      const t = Date.now() + offsetMs;
      const inGuide = programmes.find((p) => p.startMs <= t && t < p.stopMs)!;
      const { status, body } = await json(`/api/channels/1/now?at=${t}`);
      expect(status).toBe(200);
      expect(body.onAir).toBe(true);
      expect(body.programme.title).toBe(inGuide.title);
      // XMLTV times have whole seconds.
      const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000) * 1000;
      expect(seconds(body.programme.start)).toBe(inGuide.startMs);
      expect(seconds(body.programme.end)).toBe(inGuide.stopMs);
      expect(Date.parse(body.now.start) + body.now.offsetMs).toBe(t);
      expect(Date.parse(body.next.start)).toBe(Date.parse(body.now.end));
    }
  });

  it('serves a contiguous timeline window and validates its query', async () => {
    const from = Date.now();
    // A whole day: every block's last break gets its remainder, long enough for commercials.
    const { status, body } = await json(`/api/channels/1/timeline?from=${new Date(from).toISOString()}&to=${from + 24 * 3600_000}`);
    expect(status).toBe(200);
    const airings = body.airings as Array<{ start: string; end: string; kind: string; inPointMs: number; outPointMs: number }>;
    for (let i = 1; i < airings.length; i += 1) expect(airings[i]!.start).toBe(airings[i - 1]!.end);
    for (const a of airings) expect(Date.parse(a.end) - Date.parse(a.start)).toBe(a.outPointMs - a.inPointMs);
    expect(new Set(airings.map((a) => a.kind))).toContain('commercial');
    const bad = await json('/api/channels/1/timeline?from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'bad_request' });
    expect(bad.body.message).toContain('from');
    expect((await json('/api/channels/99/timeline')).status).toBe(404);
  });

  it('channel CRUD: validation errors are 400 with messages, duplicates 409, unknown 404', async () => {
    const invalid = await json('/api/channels', { method: 'POST', body: JSON.stringify({ number: 0, name: '' }) });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toBe('invalid_channel');
    expect(invalid.body.message).toMatch(/number/);
    const badZone = await json('/api/channels', { method: 'POST', body: JSON.stringify({ number: 7, name: 'Seven', time_zone: 'Mars/Olympus' }) });
    expect(badZone.status).toBe(400);
    expect(badZone.body.message).toContain('Mars/Olympus');
    expect((await json('/api/channels/7')).status).toBe(404);

    const created = await json('/api/channels', { method: 'POST', body: JSON.stringify({ number: 7, name: 'Seven', call_sign: 'SVN', time_zone: 'Europe/Berlin' }) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ number: 7, name: 'Seven', callSign: 'SVN', timeZone: 'Europe/Berlin', enabled: true });
    expect((await json('/api/channels', { method: 'POST', body: JSON.stringify({ number: 7, name: 'Again' }) })).status).toBe(409);
    const list = await json('/api/channels');
    expect(list.body.channels.map((c: { number: number }) => c.number)).toEqual([1, 7]);
    const guide = await (await fetch(url('/xmltv.xml'))).text();
    expect(guide).toContain('<channel id="7.retrovue">');
    // A channel created over the API streams at once, without a server restart.
    const playlist = await fetch(url('/channel/7.m3u8'));
    expect(playlist.status).toBe(200);
    expect(await playlist.text()).toMatch(/#EXTINF:[\d.]+,\n7\/r\d+-\d+\.ts/);
    const status = await json('/api/channels/7/status');
    expect(status.body.state).toBe('live');
    // The default packager is Node's (streaming.packager): no process, so no pid.
    expect(status.body.packager).toEqual({ kind: 'node', pid: null });
    expect(typeof status.body.renderer.pid).toBe('number');
    // Deprecated one release (README): encoder.pid is the packager's pid.
    expect(status.body.encoder.pid).toBe(status.body.packager.pid);

    const patched = await json('/api/channels/7', { method: 'PATCH', body: JSON.stringify({ name: 'Channel Seven' }) });
    expect(patched.status).toBe(200);
    expect(patched.body.channel.name).toBe('Channel Seven');
    expect((await json('/api/channels/7', { method: 'PATCH', body: JSON.stringify({ colour: 'red' }) })).status).toBe(400);
    expect((await json('/api/channels/7', { method: 'DELETE' })).status).toBe(200);
    expect((await json('/api/channels/7')).status).toBe(404);
    // Deleting it stops its encoder and frees the number.
    expect((await fetch(url('/channel/7.m3u8'))).status).toBe(404);
    expect((await json('/api/channels/7/status')).status).toBe(404);
  });

  it('INV-TL-3: schedule CRUD: overlapping blocks are refused naming both, nothing changes; an edit reports what changed', async () => {
    const before = await json('/api/channels/1/schedule');
    const overlapping = {
      blocks: [
        { name: 'Morning', start: '06:00', minutes: 120, content: { type: 'show', show: 'Sitcom' } },
        { name: 'Brunch', days: ['sat'], start: '07:30', minutes: 60, content: { type: 'movies' } },
      ],
    };
    const refused = await json('/api/channels/1/schedule', { method: 'PUT', body: JSON.stringify(overlapping) });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_schedule');
    expect(refused.body.message).toContain('block "Morning" (sat 06:00–sat 08:00) overlaps block "Brunch" (sat 07:30–sat 08:30) during sat 07:30–sat 08:00');
    expect((await json('/api/channels/1/schedule')).body).toEqual(before.body);
    const badField = await json('/api/channels/1/schedule', { method: 'PUT', body: JSON.stringify({ blocks: [{ name: 'X', start: '9am', minutes: 30, content: { type: 'show', show: 'Sitcom' } }] }) });
    expect(badField.status).toBe(400);
    expect(badField.body.message).toContain('blocks.0.start');

    const nowBefore = (await json(`/api/channels/1/now`)).body;
    const edited = await json('/api/channels/1/schedule', {
      method: 'PUT',
      body: JSON.stringify({ blocks: [{ name: 'All Day', start: '00:00', minutes: 1440, content: { type: 'show', show: 'Sitcom' } }] }),
    });
    expect(edited.status).toBe(200);
    expect(Date.parse(edited.body.changes.effectiveFrom)).toBeGreaterThanOrEqual(Date.parse(nowBefore.now.start));
    expect(Array.isArray(edited.body.changes.added)).toBe(true);
    expect(edited.body.changes.added.length + edited.body.changes.removed.length).toBeGreaterThan(0);
    // What was on air when the edit came stays as published.
    const nowAfter = (await json(`/api/channels/1/now?at=${Date.parse(nowBefore.at)}`)).body;
    expect(nowAfter.programme).toEqual(nowBefore.programme);
  });

  it('INV-TL-2: after a restart, the published airings are the same', async () => {
    const from = Date.now() + 60_000;
    const window = `/api/channels/1/timeline?from=${from}&to=${from + 3 * 3600_000}`;
    const before = (await json(window)).body.airings;
    await server.stop();
    server = await startServer(config as ReturnType<typeof testConfig>);
    const after = (await json(window)).body.airings;
    expect(after).toEqual(before);
    expect(before.length).toBeGreaterThan(10);
  });
});
