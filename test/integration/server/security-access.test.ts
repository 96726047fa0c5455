import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClips } from '../../helpers/media.js';
import { runCli, startServer, tempDir, testConfig, type RunningServer } from '../../helpers/server.js';

/**
 * Issue 20's access findings against the real server: a forged X-Forwarded-For through a
 * trusted proxy (H1), a same-host proxy nobody told us about, DNS rebinding (M1), a body sent a
 * byte at a time, and the pages' security headers.
 */
describe('access: proxies, host names, slow bodies, page headers', () => {
  let server: RunningServer;
  const url = (p: string) => `${server.baseUrl}${p}`;
  const channelNames = async () => ((await (await fetch(url('/api/channels'))).json()) as { channels: Array<{ name: string }> }).channels.map((c) => c.name);

  /** A raw request (fetch may not set Host): status and JSON body. */
  function send(method: string, p: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: { error?: string; message?: string } }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: server.port, method, path: p, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body: text.startsWith('{') ? JSON.parse(text) : {} }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
  const newChannel = (name: string) => ({ number: 40, name, schedule: { blocks: [] } });

  beforeAll(async () => {
    const work = tempDir('security-access');
    const media = path.join(work, 'media');
    await makeClips(path.join(media, 'Signal Hill', 'Season 1'), [{ name: 'Signal Hill - S01E01 - Pilot.mp4', seconds: 4 }]);
    const config = {
      ...testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { mode: 'schedule' } }),
      // nginx on this machine, in front: its X-Forwarded-For is believed, nobody else's.
      server: { trust_proxy: ['127.0.0.1'], request_timeout: 2, allowed_hosts: ['tv.home.arpa'] },
      channels: [{ number: 1, name: 'Signal', schedule: { blocks: [] } }],
    };
    server = await startServer(config as ReturnType<typeof testConfig>);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('a spoofed leftmost X-Forwarded-For through the trusted proxy is the network: 401, nothing created', async () => {
    const spoofed = await send('POST', '/api/channels', { 'x-forwarded-for': '127.0.0.1, 203.0.113.9' }, newChannel('Spoofed'));
    expect(spoofed.status).toBe(401);
    expect(spoofed.body.message).toContain('203.0.113.9');
    const honest = await send('POST', '/api/channels', { 'x-forwarded-for': '203.0.113.9' }, newChannel('Honest'));
    expect(honest.status).toBe(401);
    expect(await channelNames()).toEqual(['Signal']);
    // With the token the same LAN client may write.
    const token = readFileSync(path.join(server.dataDir, 'admin-token'), 'utf8').trim();
    const allowed = await send('POST', '/api/channels', { 'x-forwarded-for': '127.0.0.1, 203.0.113.9', authorization: `Bearer ${token}` }, newChannel('With token'));
    expect(allowed.status).toBe(201);
    expect(await send('DELETE', '/api/channels/40', { authorization: `Bearer ${token}` })).toMatchObject({ status: 200 });
  });

  it('behind a proxy on this machine, loopback is the proxy: its request without X-Forwarded-For is not this machine', async () => {
    // nginx's plain `proxy_pass` sends no X-Forwarded-For: every client would look local.
    const bare = await send('POST', '/api/channels', {}, newChannel('Through a bare proxy'));
    expect(bare.status).toBe(401);
    expect(bare.body.message).toMatch(/X-Forwarded-For/);
    // A browser on the proxy's own machine, as the proxy reports it, is.
    expect((await send('POST', '/api/channels', { 'x-forwarded-for': '127.0.0.1' }, newChannel('Local'))).status).toBe(201);
    expect((await send('DELETE', '/api/channels/40', { 'x-forwarded-for': '127.0.0.1' })).status).toBe(200);
    expect(await channelNames()).toEqual(['Signal']);
  });

  it('a rebound host name with a matching Origin cannot write or open the control room; streams and the guide stay open', async () => {
    const rebound = { host: `attacker.example:${server.port}`, origin: `http://attacker.example:${server.port}` };
    const write = await send('POST', '/api/alerts', rebound, { message: 'pwned', priority: 1, channels: [1], duration: 10 });
    expect(write.status).toBe(403);
    expect(write.body).toMatchObject({ error: 'unknown_host' });
    const alerts = (await (await fetch(url('/api/alerts'))).json()) as { alerts?: unknown[]; active?: unknown[] };
    expect(JSON.stringify(alerts)).not.toContain('pwned');
    expect((await send('GET', '/control', rebound)).status).toBe(403);
    expect((await send('GET', '/channels.m3u', rebound)).status).toBe(200);
    // A name the operator configured is this server.
    expect((await send('GET', '/control', { host: `tv.home.arpa:${server.port}` })).status).toBe(200);
  });

  it('a body trickled a byte at a time is cut off with 408 after server.request_timeout', async () => {
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(server.port, '127.0.0.1');
      let received = '';
      // From this machine through the proxy, so the write guard lets it on to read its body.
      socket.write(`POST /api/channels HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
      const trickle = setInterval(() => socket.write(' '), 500);
      socket.on('data', (chunk) => (received += chunk.toString()));
      const done = () => {
        clearInterval(trickle);
        resolve(received);
      };
      socket.on('close', done);
      socket.on('error', done);
      setTimeout(() => socket.destroy(), 15_000);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(6000);
    expect(await channelNames()).toEqual(['Signal']);
  });

  it('the pages forbid framing and run only their own scripts; every answer says nosniff', async () => {
    const home = await fetch(url('/'));
    const policy = home.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("frame-ancestors 'none'");
    // The boot script of the page is allowed by its hash, and nothing inline besides.
    const html = await home.text();
    const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(inline).toHaveLength(1);
    expect(policy).toContain(`'sha256-${createHash('sha256').update(inline[0]!).digest('base64')}'`);
    expect(policy).not.toContain('unsafe-inline\'; script');
    const control = await fetch(url('/control'));
    expect(control.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(control.headers.get('x-frame-options')).toBe('DENY');
    for (const p of ['/', '/control', '/api/health', '/channels.m3u', '/api/nothing-here']) {
      const response = await fetch(url(p));
      expect(response.headers.get('x-content-type-options'), p).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), p).toBe('no-referrer');
    }
  });

  it('trust_proxy: true is refused at start, naming the key and what to give instead', async () => {
    const work = tempDir('trust-everyone');
    const configPath = path.join(work, 'config.json');
    writeFileSync(configPath, JSON.stringify({ ...testConfig({ media: [], dataDir: path.join(work, 'data') }), server: { trust_proxy: true } }));
    const result = await runCli(['serve', '--config', configPath]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/server\.trust_proxy/);
    expect(result.stderr).toMatch(/127\.0\.0\.1/);
  });
});
