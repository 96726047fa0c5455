import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminCredential, ensureAdminToken, writeAdminToken } from '../../../src/server/access/admin-token.js';
import type { RetrovueConfig } from '../../../src/config/schema.js';
import { listeningTcpPorts, ProxyTrust, proxyAdviceAtStart } from '../../../src/server/access/client-address.js';
import { HostAllowList } from '../../../src/server/access/host-allow-list.js';
import { isLoopback, registerWriteGuard } from '../../../src/server/access/write-guard.js';

/**
 * A LAN client as the reverse proxy on this machine reports it: believed when the proxy is
 * trusted (server.trust_proxy), and not loopback either way.
 */
const LAN = { 'x-forwarded-for': '192.168.1.50' };

function appWith(options: { trustProxy?: RetrovueConfig['server']['trust_proxy']; readOnlyLan?: boolean; password?: string; allowedHosts?: string[] } = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'retrovue-guard-'));
  const { token } = ensureAdminToken(dataDir);
  const proxies = new ProxyTrust(options.trustProxy ?? false);
  const app = Fastify({ trustProxy: proxies.fastifyOption() });
  const warnings: string[] = [];
  const log = { ...app.log, warn: (_fields: unknown, message: string) => warnings.push(message) } as unknown as FastifyBaseLogger;
  registerWriteGuard(app, {
    credential: new AdminCredential(dataDir, options.password),
    readOnlyLan: options.readOnlyLan ?? false,
    proxies,
    hosts: new HostAllowList({ allowedHosts: options.allowedHosts ?? [], machineNames: ['tv-box'] }),
    log,
  });
  app.post('/api/things', async () => ({ ok: true }));
  app.get('/api/things', async () => ({ ok: true }));
  app.get('/control', async () => 'control room');
  app.get('/channel/1.m3u8', async () => '#EXTM3U');
  app.post('/lineup.post', async () => ({ ok: true }));
  return { app, token, dataDir, warnings };
}

describe('write guard: credentials for writes from the network', () => {
  let app: FastifyInstance;
  afterEach(async () => app?.close());

  it('loopback writes need no credential; reads are open from anywhere', async () => {
    ({ app } = appWith());
    expect((await app.inject({ method: 'POST', url: '/api/things', payload: {} })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/things', headers: LAN })).statusCode).toBe(200);
  });

  it('a non-loopback write without a credential is 401 with the shared error shape and a WWW-Authenticate challenge', async () => {
    ({ app } = appWith({ trustProxy: ['127.0.0.1'] }));
    const reply = await app.inject({ method: 'POST', url: '/api/things', payload: {}, headers: LAN });
    expect(reply.statusCode).toBe(401);
    expect(reply.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(reply.json()).toMatchObject({ error: 'credential_required', message: expect.stringContaining('192.168.1.50') });
  });

  it('the admin token or the configured password is accepted; a wrong one is 403, even on loopback', async () => {
    let token: string;
    ({ app, token } = appWith({ password: 'correct horse battery' }));
    const withBearer = (secret: string, headers: Record<string, string> = LAN) =>
      app.inject({ method: 'POST', url: '/api/things', payload: {}, headers: { ...headers, authorization: `Bearer ${secret}` } });
    expect((await withBearer(token)).statusCode).toBe(200);
    expect((await withBearer('correct horse battery')).statusCode).toBe(200);
    expect((await withBearer(`${token}x`)).statusCode).toBe(403);
    expect((await withBearer('nope', {})).json()).toMatchObject({ error: 'bad_credential' });
  });

  it('rotating the token file takes effect at once: the old token is refused, the new one accepted', async () => {
    let token: string;
    let dataDir: string;
    ({ app, token, dataDir } = appWith());
    const post = (secret: string) => app.inject({ method: 'POST', url: '/api/things', payload: {}, headers: { ...LAN, authorization: `Bearer ${secret}` } });
    expect((await post(token)).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 20)); // a distinct mtime
    const rotated = writeAdminToken(dataDir);
    expect(rotated).not.toBe(token);
    expect((await post(token)).statusCode).toBe(403);
    expect((await post(rotated)).statusCode).toBe(200);
  });

  it('with no proxy trusted, a loopback peer forwarding for someone else is not local (a same-host proxy) and is warned about once', async () => {
    let warnings: string[];
    ({ app, warnings } = appWith({ trustProxy: false }));
    for (let i = 0; i < 2; i += 1) {
      const reply = await app.inject({ method: 'POST', url: '/api/things', payload: {}, headers: LAN });
      expect(reply.statusCode).toBe(401);
      expect(reply.json().message).toMatch(/proxy on this machine/);
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/server\.trust_proxy/);
    // X-Real-IP alone (nginx's other header) gives a proxied request away too.
    expect((await app.inject({ method: 'POST', url: '/api/things', payload: {}, headers: { 'x-real-ip': '192.168.1.50' } })).statusCode).toBe(401);
    // Without any forwarding header, loopback is this machine.
    expect((await app.inject({ method: 'POST', url: '/api/things', payload: {} })).statusCode).toBe(200);
  });

  it('through a trusted proxy, a spoofed leftmost X-Forwarded-For does not pass as loopback: the client is the rightmost untrusted hop', async () => {
    ({ app } = appWith({ trustProxy: ['127.0.0.1'] }));
    const post = (xff: string) => app.inject({ method: 'POST', url: '/api/things', payload: {}, headers: { 'x-forwarded-for': xff } });
    const spoofed = await post('127.0.0.1, 203.0.113.9');
    expect(spoofed.statusCode).toBe(401);
    expect(spoofed.json().message).toContain('203.0.113.9');
    // A browser on the proxy's own machine is this machine.
    expect((await post('127.0.0.1')).statusCode).toBe(200);
    // An address the proxy does not know of is never loopback.
    expect((await post('not-an-address')).statusCode).toBe(401);
  });

  it('a hop count trusts that many proxies and no more', async () => {
    ({ app } = appWith({ trustProxy: 1 }));
    const post = (xff: string) => app.inject({ method: 'POST', url: '/api/things', payload: {}, headers: { 'x-forwarded-for': xff } });
    expect((await post('127.0.0.1')).statusCode).toBe(200);
    const beyond = await post('127.0.0.1, 10.0.0.7');
    expect(beyond.statusCode).toBe(401);
    expect(beyond.json().message).toContain('10.0.0.7');
  });

  it('a trusted proxy is never the client itself: its request without X-Forwarded-For needs the token', async () => {
    let token: string;
    let warnings: string[];
    ({ app, token, warnings } = appWith({ trustProxy: ['127.0.0.1'] }));
    const bare = await app.inject({ method: 'POST', url: '/api/things', payload: {} });
    expect(bare.statusCode).toBe(401);
    expect(bare.json().message).toMatch(/trusted proxy and sent no X-Forwarded-For/);
    expect(warnings[0]).toMatch(/without X-Forwarded-For/);
    expect((await app.inject({ method: 'POST', url: '/api/things', payload: {}, headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
  });

  it('a trusted proxy that only sends X-Real-IP cannot be told apart from its clients: treated as the network', async () => {
    let warnings: string[];
    ({ app, warnings } = appWith({ trustProxy: ['127.0.0.1'] }));
    expect((await app.inject({ method: 'POST', url: '/api/things', payload: {}, headers: { 'x-real-ip': '192.168.1.50' } })).statusCode).toBe(401);
    expect(warnings[0]).toMatch(/X-Forwarded-For/);
  });

  it('read_only_lan refuses network writes even with the token', async () => {
    let token: string;
    ({ app, token } = appWith({ readOnlyLan: true }));
    const reply = await app.inject({ method: 'POST', url: '/api/things', payload: {}, headers: { ...LAN, authorization: `Bearer ${token}` } });
    expect(reply.statusCode).toBe(403);
    expect(reply.json().error).toBe('read_only_lan');
    expect((await app.inject({ method: 'POST', url: '/api/things', payload: {} })).statusCode).toBe(200);
  });

  it('HDHomeRun clients may POST lineup.post without a credential', async () => {
    ({ app } = appWith());
    expect((await app.inject({ method: 'POST', url: '/lineup.post?scan=start', headers: LAN })).statusCode).toBe(200);
  });
});

describe('write guard: cross-site "simple" requests', () => {
  let app: FastifyInstance;
  afterEach(async () => app?.close());

  it.each(['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain;charset=UTF-8'])(
    'a %s body is refused (415) even from loopback and even with the token',
    async (contentType) => {
      let token: string;
      ({ app, token } = appWith());
      const reply = await app.inject({ method: 'POST', url: '/api/things', payload: 'a=1', headers: { 'content-type': contentType, authorization: `Bearer ${token}` } });
      expect(reply.statusCode).toBe(415);
      expect(reply.json().error).toBe('unsupported_media_type');
    },
  );

  it('a write whose Origin is another site is refused; the same origin is allowed', async () => {
    ({ app } = appWith());
    const post = (origin: string) => app.inject({ method: 'POST', url: '/api/things', payload: {}, headers: { host: 'tv-box.local:8080', origin } });
    const foreign = await post('https://evil.example');
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json()).toMatchObject({ error: 'cross_site_refused' });
    expect((await post('null')).statusCode).toBe(403);
    expect((await post('http://tv-box.local:8080')).statusCode).toBe(200);
    const fetchMeta = await app.inject({ method: 'POST', url: '/api/things', payload: {}, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(fetchMeta.statusCode).toBe(403);
  });

  it('isLoopback knows 127/8, ::1 and IPv4-mapped loopback, and nothing else', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['192.168.1.5', '::ffff:10.0.0.1', '128.0.0.1', 'fe80::1'].some(isLoopback)).toBe(false);
  });
});

describe('host allow-list: DNS rebinding', () => {
  let app: FastifyInstance;
  afterEach(async () => app?.close());

  it('a rebound name with a matching Origin is refused for writes and the control room; streams stay open', async () => {
    ({ app } = appWith());
    const headers = { host: 'attacker.example:8080', origin: 'http://attacker.example:8080' };
    const write = await app.inject({ method: 'POST', url: '/api/things', payload: {}, headers });
    expect(write.statusCode).toBe(403);
    expect(write.json()).toMatchObject({ error: 'unknown_host', message: expect.stringContaining('server.allowed_hosts') });
    expect((await app.inject({ method: 'GET', url: '/control', headers })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/things', headers })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/channel/1.m3u8', headers })).statusCode).toBe(200);
  });

  it('IP literals, localhost, the machine name and configured names (with *. wildcards) are this server', async () => {
    ({ app } = appWith({ allowedHosts: ['tv.home.arpa', '*.example.org'] }));
    for (const host of ['127.0.0.1:8080', '[::1]:8080', '192.168.1.10', 'localhost:8080', 'TV-BOX', 'tv-box.local', 'tv.home.arpa', 'retro.example.org', 'tv.home.arpa.']) {
      expect((await app.inject({ method: 'GET', url: '/control', headers: { host } })).statusCode, host).toBe(200);
    }
    for (const host of ['example.org', 'evil-tv.home.arpa', 'tv.home.arpa.evil.example', 'localhost.evil.example', 'user@tv-box']) {
      expect((await app.inject({ method: 'GET', url: '/control', headers: { host } })).statusCode, host).toBe(403);
    }
  });
});

describe('proxy advice at start', () => {
  const base = { trust_proxy: false as const, read_only_lan: false, allowed_hosts: [], request_timeout: 30 };
  it('a public_url on another port or https with no trusted proxy is pointed out; the listener itself is not', () => {
    expect(proxyAdviceAtStart({ ...base, public_url: 'https://tv.example.org' }, 8080)).toMatch(/server\.trust_proxy/);
    expect(proxyAdviceAtStart({ ...base, public_url: 'http://tv.example.org' }, 8080)).toMatch(/reverse proxy/);
    expect(proxyAdviceAtStart({ ...base, public_url: 'http://192.168.1.10:8080' }, 8080)).toBeUndefined();
    expect(proxyAdviceAtStart({ ...base, trust_proxy: ['127.0.0.1'], public_url: 'https://tv.example.org' }, 8080)).toBeUndefined();
  });

  it('a web server listening on 80/443 of this machine is pointed out; none, or a trusted proxy, is not', () => {
    expect(proxyAdviceAtStart(base, 8080, new Set([22, 443, 8080]))).toMatch(/port 443 .*server\.trust_proxy/);
    expect(proxyAdviceAtStart(base, 8080, new Set([22, 8080]))).toBeUndefined();
    expect(proxyAdviceAtStart(base, 80, new Set([80]))).toBeUndefined(); // Retrovue itself on 80
    expect(proxyAdviceAtStart({ ...base, trust_proxy: ['127.0.0.1'] }, 8080, new Set([443]))).toBeUndefined();
  });

  it('listeningTcpPorts reads this machine\'s listeners', async () => {
    const { createServer } = await import('node:net');
    const listener = createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as { port: number }).port;
    expect(listeningTcpPorts().has(port)).toBe(true);
    listener.close();
  });
});
