import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createSocket } from 'node:dgram';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/bench/live-publisher.js';
import { makeClips } from '../../helpers/media.js';
import { startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

/** A free TCP port on loopback (closed again before use). */

/** A free UDP port on loopback (for an SRT listener). */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createSocket('udp4');
    probe.once('error', reject);
    probe.bind(0, '127.0.0.1', () => {
      const port = probe.address().port;
      probe.close(() => resolve(port));
    });
  });
}

/** The width and height in a JPEG's start-of-frame marker. */
function jpegSize(jpeg: Buffer): { width: number; height: number } | undefined {
  for (let i = 2; i + 8 < jpeg.length; ) {
    if (jpeg[i] !== 0xff) return undefined;
    const marker = jpeg[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xc3) return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7) };
    i += 2 + jpeg.readUInt16BE(i + 2);
  }
  return undefined;
}

const TEST_SOURCE = ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=10', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '10', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k'];

/**
 * Live sources over the real server and real ffmpeg on loopback: an encoder publishing over
 * RTMP with the right key (and a wrong one, refused), a pulled HLS stream, the loss of a
 * publisher and its return, the key kept out of every GET and log line, and the thumbnail.
 */
describe('live sources', () => {
  let server: RunningServer;
  let work: string;
  const publishers = new Set<ChildProcess>();
  let hlsServer: Server | undefined;

  const call = async (method: string, url: string, body?: unknown) => {
    const response = await fetch(`${server.baseUrl}${url}`, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as any) : undefined, text };
  };
  const publish = (args: string[]): ChildProcess => {
    const child = spawn('nice', ['-n', '19', 'ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin', ...TEST_SOURCE, ...args], { stdio: 'ignore' });
    publishers.add(child);
    child.once('exit', () => publishers.delete(child));
    return child;
  };
  /** An encoder that reconnects (as OBS and hardware encoders do): started again 100 ms after each exit until stopped. */
  const encoder = (args: string[]) => {
    let stopped = false;
    let child: ChildProcess;
    const run = () => {
      child = publish(args);
      child.once('exit', () => {
        if (!stopped) setTimeout(run, 100);
      });
    };
    run();
    return {
      /** A network cut: the publisher sends nothing more and closes nothing. */
      freeze: () => child.kill('SIGSTOP'),
      stop: async () => {
        stopped = true;
        await killed(child);
      },
    };
  };
  const killed = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  const stateOf = async (id: string) => (await call('GET', `/api/live/sources/${id}`)).body;
  const waitState = (id: string, state: string, timeoutMs: number) =>
    waitFor(`${id} ${state}`, async () => {
      const body = await stateOf(id);
      return body.status.state === state ? body : undefined;
    }, timeoutMs, 100);

  beforeAll(async () => {
    work = tempDir('live');
    await makeClips(path.join(work, 'media'), [{ name: 'Filler.mp4', seconds: 2 }]);
    server = await startServer(testConfig({ media: [path.join(work, 'media')], dataDir: path.join(work, 'data') }));
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...publishers].map(killed));
    hlsServer?.close();
    await server?.stop();
  });

  it('refuses bad ids and URLs and a second push source on the same port, changing nothing', async () => {
    const port = await freePort();
    expect((await call('POST', '/api/live/sources', { id: 'Bad Id', name: 'x', url: `rtmp://0.0.0.0:${port}/live` })).status).toBe(400);
    const scheme = await call('POST', '/api/live/sources', { id: 'files', name: 'x', url: 'file:///etc/passwd' });
    expect(scheme.status).toBe(400);
    expect(scheme.body.field).toBe('url');
    expect((await call('POST', '/api/live/sources', { id: 'creds', name: 'x', url: 'https://u:p@example.com/live.m3u8' })).status).toBe(400);
    const first = await call('POST', '/api/live/sources', { id: 'first', name: 'First', url: `rtmp://0.0.0.0:${port}/live` });
    expect(first.status).toBe(201);
    const twin = await call('POST', '/api/live/sources', { id: 'twin', name: 'Twin', url: `srt://0.0.0.0:${port}?mode=listener` });
    expect(twin.status).toBe(409);
    expect(twin.body.message).toMatch(new RegExp(`port ${port} is already the push port of live source first`));
    expect((await call('POST', '/api/live/sources', { id: 'first', name: 'Again', url: 'udp://239.0.0.1:1234' })).status).toBe(409);
    expect((await call('DELETE', '/api/live/sources/first')).status).toBe(200);
    expect((await call('GET', '/api/live/sources')).body.sources).toEqual([]);
  });

  it('only the admin creates, changes, rotates or removes sources: a write from the network needs the token; reads stay open', async () => {
    // From the network, as a proxy on this machine that server.trust_proxy does not name forwards it.
    const fromLan = { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' };
    const body = JSON.stringify({ id: 'sneaky', name: 'Sneaky', url: 'udp://239.1.1.1:5000' });
    expect((await fetch(`${server.baseUrl}/api/live/sources`, { method: 'POST', headers: fromLan, body })).status).toBe(401);
    expect((await fetch(`${server.baseUrl}/api/live/sources`, { method: 'POST', headers: { ...fromLan, authorization: 'Bearer guess' }, body })).status).toBe(403);
    expect((await call('GET', '/api/live/sources/sneaky')).status).toBe(404);
    const token = readFileSync(path.join(server.dataDir, 'admin-token'), 'utf8').trim();
    const made = await fetch(`${server.baseUrl}/api/live/sources`, { method: 'POST', headers: { ...fromLan, authorization: `Bearer ${token}` }, body });
    expect(made.status).toBe(201);
    for (const [method, suffix] of [['PATCH', ''], ['DELETE', ''], ['POST', '/rotate-key']] as const) {
      const response = await fetch(`${server.baseUrl}/api/live/sources/sneaky${suffix}`, { method, headers: fromLan, ...(method === 'PATCH' ? { body: '{"name":"x"}' } : {}) });
      expect(response.status, `${method} ${suffix}`).toBe(401);
    }
    expect((await fetch(`${server.baseUrl}/api/live/sources/sneaky`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(200);
    expect((await call('DELETE', '/api/live/sources/sneaky')).status).toBe(200);
  });

  it('an RTMP publisher with the key connects (resolution, codecs, bitrate, thumbnail); a wrong key is refused; loss and return are seen within seconds; the key is never in a GET or a log line', async () => {
    const port = await freePort();
    const created = await call('POST', '/api/live/sources', { id: 'studio', name: 'Studio A', url: `rtmp://0.0.0.0:${port}/live` });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(key).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(created.body.publish_url).toBe(`rtmp://127.0.0.1:${port}/live/${key}`);
    expect(created.body.source).toMatchObject({ id: 'studio', kind: 'push', protocol: 'rtmp', key: 'set' });

    // A wrong key: ffmpeg's RTMP listener would take it (it only warns); Retrovue cuts it off.
    const wrong = encoder(['-t', '20', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/not-the-key-000000000`]);
    await waitFor('the wrong key refused', async () => ((await stateOf('studio')).status.refused_publishers >= 1 ? true : undefined), 15_000, 100);
    const refused = await stateOf('studio');
    expect(refused.status.state).toBe('waiting');
    expect(refused.status.last_error).toMatch(/wrong stream key/);
    await wrong.stop();

    let studio = encoder(['-t', '60', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/${key}`]);
    const connected = await waitState('studio', 'connected', 15_000);
    expect(connected.status.video).toMatchObject({ codec: 'h264', width: 160, height: 90, fps: 10 });
    expect(connected.status.audio).toMatchObject({ codec: 'aac', channels: 1, sample_rate: 48000 });
    await waitFor('a bitrate', async () => ((await stateOf('studio')).status.bytes_per_second > 1000 ? true : undefined), 5000, 100);

    const thumbnail = await waitFor('a thumbnail', async () => {
      const response = await fetch(`${server.baseUrl}/api/live/sources/studio/thumbnail`);
      return response.status === 200 ? { type: response.headers.get('content-type'), jpeg: Buffer.from(await response.arrayBuffer()) } : undefined;
    }, 10_000, 250);
    expect(thumbnail.type).toBe('image/jpeg');
    expect(jpegSize(thumbnail.jpeg)).toEqual({ width: 160, height: 90 });
    // Made at most every 2 s: an ask right after gets the same picture.
    const cached = Buffer.from(await (await fetch(`${server.baseUrl}/api/live/sources/studio/thumbnail`)).arrayBuffer());
    expect(cached.equals(thumbnail.jpeg)).toBe(true);

    // The publisher dies: lost within ~2 s; a republish is back within seconds (the listener is up again).
    await studio.stop();
    const lostAt = Date.now();
    await waitState('studio', 'lost', 4000);
    const lossMs = Date.now() - lostAt;
    expect(lossMs).toBeLessThan(3000);
    const republishedAt = Date.now();
    studio = encoder(['-t', '60', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/${key}`]);
    const again = await waitState('studio', 'connected', 10_000);
    expect(again.status.connections).toBe(2);
    console.log(`live: lost ${lossMs} ms after the publisher died; back ${Date.now() - republishedAt} ms after it republished`);
    await studio.stop();

    // A rotated key: the answer holds it once; the old key is refused.
    const rotated = await call('POST', '/api/live/sources/studio/rotate-key');
    expect(rotated.status).toBe(200);
    const newKey = rotated.body.key as string;
    expect(newKey).not.toBe(key);
    const old = encoder(['-t', '20', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/${key}`]);
    await waitFor('the old key refused', async () => ((await stateOf('studio')).status.refused_publishers >= 1 ? true : undefined), 15_000, 100);
    await old.stop();

    for (const text of [(await call('GET', '/api/live/sources')).text, (await call('GET', '/api/live/sources/studio')).text]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(newKey);
      expect(text).toContain('"key":"set"');
    }
    const logs = server.logs.join('\n');
    expect(logs).toContain('wrong stream key');
    expect(logs).not.toContain(key);
    expect(logs).not.toContain(newKey);
  }, 90_000);

  it('an SRT publisher with the passphrase connects, a wrong passphrase is refused by libsrt, and a frozen publisher is lost after 2 s without data', async () => {
    const port = await freeUdpPort();
    const created = await call('POST', '/api/live/sources', { id: 'field-cam', name: 'Field camera', url: `srt://0.0.0.0:${port}?mode=listener` });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(created.body.publish_url).toBe(`srt://127.0.0.1:${port}?mode=caller&passphrase=${key}`);

    const dark = await call('GET', '/api/live/sources/field-cam/thumbnail');
    expect(dark.status).toBe(422);
    expect(dark.body.message).toMatch(/is waiting: no picture/);
    const wrong = encoder(['-t', '20', '-f', 'mpegts', `srt://127.0.0.1:${port}?mode=caller&passphrase=wrong-passphrase-0000`]);
    await waitFor('the wrong passphrase refused', async () => ((await stateOf('field-cam')).status.refused_publishers >= 1 ? true : undefined), 15_000, 100);
    expect((await stateOf('field-cam')).status).toMatchObject({ state: 'waiting', last_error: 'a publisher was refused: wrong passphrase' });
    await wrong.stop();

    const camera = encoder(['-t', '60', '-f', 'mpegts', `srt://127.0.0.1:${port}?mode=caller&passphrase=${key}`]);
    const connected = await waitState('field-cam', 'connected', 15_000);
    expect(connected.status.video).toMatchObject({ codec: 'h264', width: 160, height: 90 });
    expect(connected.status.audio).toMatchObject({ codec: 'aac', channels: 1 });

    // Frozen, not closed: only the silence tells; lost 2 s after the last byte.
    camera.freeze();
    const frozenAt = Date.now();
    await waitState('field-cam', 'lost', 5000);
    const lostAfterMs = Date.now() - frozenAt;
    expect(lostAfterMs).toBeGreaterThanOrEqual(1500);
    expect(lostAfterMs).toBeLessThan(3500);
    await camera.stop();
    const back = encoder(['-t', '60', '-f', 'mpegts', `srt://127.0.0.1:${port}?mode=caller&passphrase=${key}`]);
    const backAt = Date.now();
    await waitState('field-cam', 'connected', 15_000);
    console.log(`live (srt): lost ${lostAfterMs} ms after the publisher froze; back ${Date.now() - backAt} ms after a new publisher started`);
    await back.stop();
    const logs = server.logs.join('\n');
    expect(logs).toContain('wrong passphrase');
    expect(logs).not.toContain(key);
    expect((await call('GET', '/api/live/sources/field-cam')).text).not.toContain(key);
    expect((await call('DELETE', '/api/live/sources/field-cam')).status).toBe(200);
  }, 90_000);

  it('pulls an HLS stream (served over http on loopback) and shows its streams', async () => {
    const hlsDir = path.join(work, 'hls');
    mkdirSync(hlsDir);
    hlsServer = createHttpServer((request, response) => {
      const file = path.join(hlsDir, path.basename(request.url ?? ''));
      if (!existsSync(file)) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': file.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t' });
      createReadStream(file).pipe(response);
    });
    await new Promise<void>((resolve) => hlsServer!.listen(0, '127.0.0.1', resolve));
    const httpPort = (hlsServer.address() as { port: number }).port;
    publish(['-t', '60', '-f', 'hls', '-hls_time', '1', '-hls_list_size', '6', '-hls_flags', 'delete_segments', path.join(hlsDir, 'live.m3u8')]);
    await waitFor('the HLS playlist', () => (existsSync(path.join(hlsDir, 'live.m3u8')) ? true : undefined), 15_000, 100);
    const created = await call('POST', '/api/live/sources', { id: 'watch-party', name: 'Watch party', url: `http://127.0.0.1:${httpPort}/live.m3u8` });
    expect(created.status).toBe(201);
    expect(created.body.key).toBeNull();
    expect(created.body.source).toMatchObject({ kind: 'pull', protocol: 'hls', key: null });
    const connected = await waitState('watch-party', 'connected', 15_000);
    expect(connected.status.video).toMatchObject({ codec: 'h264', width: 160, height: 90 });
    expect(connected.status.audio).toMatchObject({ codec: 'aac' });
    expect((await call('DELETE', '/api/live/sources/watch-party')).status).toBe(200);
  }, 60_000);
});
