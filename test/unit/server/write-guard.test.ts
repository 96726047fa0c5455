import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminCredential, ensureAdminToken, writeAdminToken } from '../../../src/server/access/admin-token.js';
import { isLoopback, registerWriteGuard } from '../../../src/server/access/write-guard.js';

const LAN = { 'x-forwarded-for': '192.168.1.50' };

function appWith(options: { trustProxy?: boolean; readOnlyLan?: boolean; password?: string } = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'retrovue-guard-'));
  const { token } = ensureAdminToken(dataDir);
  const app = Fastify({ trustProxy: options.trustProxy ?? true });
  registerWriteGuard(app, { credential: new AdminCredential(dataDir, options.password), readOnlyLan: options.readOnlyLan ?? false });
  app.post('/api/things', async () => ({ ok: true }));
  app.get('/api/things', async () => ({ ok: true }));
  app.post('/lineup.post', async () => ({ ok: true }));
  return { app, token, dataDir };
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
    ({ app } = appWith());
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

  it('X-Forwarded-For is ignored unless trust_proxy is on (it cannot be forged to pass or fail)', async () => {
    ({ app } = appWith({ trustProxy: false }));
    // The injected socket is loopback; the forged header must not turn it into a LAN client.
    expect((await app.inject({ method: 'POST', url: '/api/things', payload: {}, headers: LAN })).statusCode).toBe(200);
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
    const post = (origin: string) => app.inject({ method: 'POST', url: '/api/things', payload: {}, headers: { host: 'tv.local:8080', origin } });
    const foreign = await post('https://evil.example');
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json()).toMatchObject({ error: 'cross_site_refused' });
    expect((await post('null')).statusCode).toBe(403);
    expect((await post('http://tv.local:8080')).statusCode).toBe(200);
    const fetchMeta = await app.inject({ method: 'POST', url: '/api/things', payload: {}, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(fetchMeta.statusCode).toBe(403);
  });

  it('isLoopback knows 127/8, ::1 and IPv4-mapped loopback, and nothing else', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['192.168.1.5', '::ffff:10.0.0.1', '128.0.0.1', 'fe80::1'].some(isLoopback)).toBe(false);
  });
});
