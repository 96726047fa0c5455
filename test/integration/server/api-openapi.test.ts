import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClips } from '../../helpers/media.js';
import { startFakePlex, type FakePlex } from '../../helpers/media-servers/fake-plex.js';
import { runCli, startServer, tempDir, testConfig, type RunningServer } from '../../helpers/server.js';

interface OpenApiDoc {
  paths: Record<string, Record<string, { operationId: string; parameters: Array<{ name: string; in: string }>; responses: Record<string, { content?: Record<string, { schema?: object }> }> }>>;
  components: { schemas: { Error: object } };
}

/** A client on the LAN, as a reverse proxy on this machine reports it (never loopback, trusted or not). */
const FROM_LAN = { 'x-forwarded-for': '203.0.113.9' };
const PNG_1x1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

describe('the documented API: OpenAPI document, every GET as documented, one error shape, access control', () => {
  let server: RunningServer;
  let doc: OpenApiDoc;
  let plex: FakePlex;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const url = (p: string) => `${server.baseUrl}${p}`;
  const token = () => readFileSync(path.join(server.dataDir, 'admin-token'), 'utf8').trim();
  const expectErrorShape = (body: unknown) => {
    const valid = ajv.validate(doc.components.schemas.Error, body);
    expect(valid, JSON.stringify(ajv.errors)).toBe(true);
  };

  beforeAll(async () => {
    const work = tempDir('openapi');
    const media = path.join(work, 'media');
    await makeClips(path.join(media, 'Signal Hill', 'Season 1'), [
      { name: 'Signal Hill - S01E01 - Pilot.mp4', seconds: 6 },
      { name: 'Signal Hill - S01E02 - Storm.mp4', seconds: 6 },
    ]);
    await makeClips(path.join(media, 'commercials'), [{ name: 'Soda.mp4', seconds: 2 }]);
    writeFileSync(path.join(media, 'Signal Hill', 'Season 1', 'Signal Hill - S01E03 - Broken.mp4'), 'not a video');
    // Posters beside the media (issue 24), so /media/{id}/poster has one to answer for whichever file is listed first.
    for (const folder of [path.join(media, 'Signal Hill'), path.join(media, 'commercials')]) {
      execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=navy:size=20x30', '-frames:v', '1', path.join(folder, 'poster.jpg')]);
    }
    const config = {
      ...testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { mode: 'schedule' } }),
      channels: [{ number: 1, name: 'Signal', schedule: { blocks: [{ name: 'Sitcoms', start: '00:00', minutes: 1440, content: { type: 'show', show: 'Signal Hill' } }] } }],
    };
    server = await startServer(config as ReturnType<typeof testConfig>);
    doc = (await (await fetch(url('/api/openapi.json'))).json()) as OpenApiDoc;
    // A media server (issue 24), so /api/library/sources/{key} has one to answer for.
    plex = await startFakePlex({ token: 'openapi-plex-token', libraries: [{ id: '1', name: 'TV Shows', type: 'shows' }] });
    const added = await fetch(url('/api/library/sources'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'plex', url: plex.url, token: plex.token }) });
    expect(added.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await plex?.stop();
  });

  it('/api/openapi.json is a valid OpenAPI 3.1 document; /api/docs serves the reference from local files', async () => {
    const result = await new Validator().validate(doc as never);
    expect(result, JSON.stringify(result.errors)).toMatchObject({ valid: true });
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/channels', '/api/channels/{n}/schedule', '/api/media', '/api/alerts', '/api/monitor/events']));
    const page = await (await fetch(url('/api/docs'))).text();
    const assets = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.every((a) => a.startsWith('/api/docs/'))).toBe(true); // nothing from a CDN
    for (const asset of assets) expect((await fetch(url(asset))).status, asset).toBe(200);
  });

  it('every documented GET answers 200 with a body matching its documented schema', async () => {
    // An alert to read back (loopback: no credential needed).
    const sent = await fetch(url('/api/alerts'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Test', priority: 5, channels: 'all', duration: 1 }) });
    expect(sent.status).toBe(201);
    const alertId = ((await sent.json()) as { id: number }).id;
    const mediaId = ((await (await fetch(url('/api/media?limit=1'))).json()) as { items: Array<{ id: number }> }).items[0]!.id;
    // A live source to read back: pulled from a closed port, it stays waiting (a live thumbnail needs a stream: test/integration/live).
    const live = await fetch(url('/api/live/sources'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'openapi', name: 'OpenAPI', url: 'http://127.0.0.1:1/live.m3u8' }) });
    expect(live.status).toBe(201);
    const values: Record<string, string> = { n: '1', id: '', chapterId: '1', key: 'plex-1' };
    let checked = 0;
    for (const [template, operations] of Object.entries(doc.paths)) {
      const op = operations.get;
      if (!op) continue;
      if (template === '/api/live/sources/{id}/thumbnail') continue;
      values.id = template.startsWith('/api/alerts') ? String(alertId) : template.startsWith('/api/live') ? 'openapi' : String(mediaId);
      const concrete = template.replace(/\{(\w+)\}/g, (_m, name: string) => values[name]!);
      const content = op.responses['200']!.content!;
      if (content['text/event-stream']) {
        // The event stream: its first event's data is a monitor snapshot, as documented.
        const controller = new AbortController();
        const response = await fetch(url(concrete), { signal: controller.signal });
        expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
        const reader = response.body!.getReader();
        let text = '';
        while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
        controller.abort();
        const data = JSON.parse(/^data: (.*)$/m.exec(text)![1]!);
        const snapshotSchema = doc.paths['/api/monitor']!.get!.responses['200']!.content!['application/json']!.schema!;
        expect(ajv.validate(snapshotSchema, data), `${concrete}: ${JSON.stringify(ajv.errors)}`).toBe(true);
        checked++;
        continue;
      }
      if (content['text/plain']) {
        // /metrics: Prometheus text, one `# HELP` and `# TYPE` per family.
        const metrics = await fetch(url(concrete));
        expect(metrics.status, concrete).toBe(200);
        expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
        expect(await metrics.text()).toMatch(/^# TYPE retrovue_channel_state gauge$/m);
        checked++;
        continue;
      }
      if (content['image/jpeg']) {
        // A thumbnail: its one required parameter is the instant.
        const picture = await fetch(url(`${concrete}?at=1000`));
        expect(picture.status, concrete).toBe(200);
        expect(picture.headers.get('content-type')).toBe('image/jpeg');
        expect(picture.headers.get('cache-control')).toMatch(/max-age=\d+/);
        const bytes = Buffer.from(await picture.arrayBuffer());
        expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
        checked++;
        continue;
      }
      const response = await fetch(url(concrete));
      expect(response.status, concrete).toBe(200);
      const body = await response.json();
      expect(ajv.validate(content['application/json']!.schema!, body), `${op.operationId} ${concrete}: ${JSON.stringify(ajv.errors)}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(14);
  });

  it('errors share one shape { error, message, field? } — route refusals and Fastify\'s own', async () => {
    const cases: Array<[string, RequestInit | undefined, number, string | undefined]> = [
      ['/api/channels/999', undefined, 404, undefined],
      ['/api/media?colour=red', undefined, 400, undefined],
      ['/api/media?limit=9999', undefined, 400, 'limit'],
      ['/api/channels/1/timeline?from=yesterday', undefined, 400, 'from'],
      ['/api/nowhere', undefined, 404, undefined],
      ['/api/channels', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"number": 5, "name": ' }, 400, undefined],
      ['/api/channels', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ number: 5, name: '' }) }, 400, 'name'],
      ['/api/channels/1/schedule', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ blocks: [{ name: 'x', start: '25:00', minutes: 30, content: { type: 'movies' } }] }) }, 400, 'schedule.blocks.0.start'],
      ['/api/alerts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'x', priority: 99, channels: 'all', duration: 5 }) }, 400, 'priority'],
    ];
    for (const [p, init, status, field] of cases) {
      const response = await fetch(url(p), init);
      expect(response.status, p).toBe(status);
      const body = (await response.json()) as { field?: string };
      expectErrorShape(body);
      if (field) expect(body.field, p).toBe(field);
    }
  });

  it('chapter moves, thumbnails and rescans answer as documented, errors naming the field', async () => {
    const media = ((await (await fetch(url('/api/media?show=Signal%20Hill&limit=10'))).json()) as { items: Array<{ id: number; title: string; status: string }> }).items;
    const pilot = media.find((m) => m.title === 'Pilot')!;
    const broken = media.find((m) => m.status === 'unplayable')!;
    const json = { 'content-type': 'application/json' };
    const add = async (timestampMs: number) => (await (await fetch(url(`/api/media/${pilot.id}/chapters`), { method: 'POST', headers: json, body: JSON.stringify({ title: 'Act', timestampMs }) })).json()) as { id: number };
    const first = await add(2000);
    await add(4000);
    const patch = (id: number | string, body: unknown) => fetch(url(`/api/media/${pilot.id}/chapters/${id}`), { method: 'PATCH', headers: json, body: JSON.stringify(body) });
    const moved = await patch(first.id, { timestampMs: 3000, title: 'Act Two' });
    expect(moved.status).toBe(200);
    const movedBody = await moved.json();
    expect(ajv.validate(doc.paths['/api/media/{id}/chapters/{chapterId}']!.patch!.responses['200']!.content!['application/json']!.schema!, movedBody)).toBe(true);
    expect(movedBody).toMatchObject({ id: first.id, timestampMs: 3000, title: 'Act Two' });
    const cases: Array<[Response, number, string | undefined]> = [
      [await patch(first.id, { timestampMs: -1 }), 400, 'timestampMs'],
      [await patch(first.id, { timestampMs: 60_000 }), 400, 'timestampMs'], // past the end of a 6 s file
      [await patch(first.id, { colour: 'red' }), 400, undefined],
      [await patch(first.id, {}), 400, 'timestampMs'],
      [await patch(first.id, { title: '' }), 400, 'title'],
      [await patch(first.id, { timestampMs: 4000 }), 409, 'timestampMs'],
      [await patch(99_999, { timestampMs: 1000 }), 404, undefined],
      [await fetch(url(`/api/media/${pilot.id}/thumbnail`)), 400, 'at'],
      [await fetch(url(`/api/media/${pilot.id}/thumbnail?at=1.5`)), 400, 'at'],
      [await fetch(url(`/api/media/${pilot.id}/thumbnail?at=600000`)), 400, 'at'],
      [await fetch(url(`/api/media/${broken.id}/thumbnail?at=0`)), 422, undefined],
      [await fetch(url('/api/media/99999/thumbnail?at=0')), 404, undefined],
    ];
    for (const [response, status, field] of cases) {
      expect(response.status, response.url).toBe(status);
      const body = (await response.json()) as { field?: string };
      expectErrorShape(body);
      if (field) expect(body.field, response.url).toBe(field);
    }
    // The thumbnail is cached on disk and revalidates by ETag.
    const picture = await fetch(url(`/api/media/${pilot.id}/thumbnail?at=3000`));
    expect(picture.status).toBe(200);
    const etag = picture.headers.get('etag')!;
    expect((await fetch(url(`/api/media/${pilot.id}/thumbnail?at=3000`), { headers: { 'if-none-match': etag } })).status).toBe(304);
    // A rescan: 202 with the status, 409 while it runs, then done with a summary.
    const started = await fetch(url('/api/library/scan'), { method: 'POST' });
    expect(started.status).toBe(202);
    const startedBody = await started.json();
    expect(ajv.validate(doc.paths['/api/library/scan']!.post!.responses['202']!.content!['application/json']!.schema!, startedBody), JSON.stringify(ajv.errors)).toBe(true);
    const again = await fetch(url('/api/library/scan'), { method: 'POST' });
    expect([202, 409]).toContain(again.status); // a tiny library may finish in between
    let status: { state: string; summary: { found: number } | null };
    for (;;) {
      status = (await (await fetch(url('/api/library/scan'))).json()) as typeof status;
      if (status.state !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status.state).toBe('done');
    expect(status.summary!.found).toBe(4);
  });

  it('writes from the network (forwarded by a proxy on this machine) need the admin token; reads stay open', async () => {
    const alert = JSON.stringify({ message: 'Network test', priority: 3, channels: [1], duration: 1 });
    const json = { 'content-type': 'application/json' };
    const refused = await fetch(url('/api/alerts'), { method: 'POST', headers: { ...json, ...FROM_LAN }, body: alert });
    expect(refused.status).toBe(401);
    expectErrorShape(await refused.json());
    for (const [method, p, body] of [['PUT', '/api/channels/1/schedule', '{"blocks":[]}'], ['PATCH', '/api/channels/1', '{"name":"Hacked"}'], ['DELETE', '/api/channels/1', undefined], ['POST', '/api/media/1/chapters', '{"timestampMs":1000}'], ['PATCH', '/api/media/1/chapters/1', '{"timestampMs":1000}'], ['POST', '/api/library/scan', undefined]] as const) {
      expect((await fetch(url(p), { method, headers: { ...json, ...FROM_LAN }, body })).status, `${method} ${p}`).toBe(401);
    }
    expect((await fetch(url('/api/channels/1'))).status).toBe(200);
    expect(((await (await fetch(url('/api/channels/1'))).json()) as { name: string }).name).toBe('Signal');
    expect((await fetch(url('/xmltv.xml'), { headers: FROM_LAN })).status).toBe(200);
    const wrong = await fetch(url('/api/alerts'), { method: 'POST', headers: { ...json, ...FROM_LAN, authorization: 'Bearer guess' }, body: alert });
    expect(wrong.status).toBe(403);
    const accepted = await fetch(url('/api/alerts'), { method: 'POST', headers: { ...json, ...FROM_LAN, authorization: `Bearer ${token()}` }, body: alert });
    expect(accepted.status).toBe(201);
  });

  it('cross-site "simple" writes are refused, even from this machine', async () => {
    const form = await fetch(url('/api/alerts'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'message=x&priority=5' });
    expect(form.status).toBe(415);
    const plain = await fetch(url('/api/channels/1'), { method: 'PATCH', headers: { 'content-type': 'text/plain' }, body: '{"name":"Plain"}' });
    expect(plain.status).toBe(415);
    const foreign = await fetch(url('/api/channels/1'), { method: 'DELETE', headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expectErrorShape(await foreign.json());
    expect((await fetch(url('/api/channels/1'))).status).toBe(200); // still there
  });

  it('`retrovue token --rotate` replaces the token on the running server at once', async () => {
    const before = token();
    const rotated = await runCli(['token', '--rotate', '--data', server.dataDir, '--json']);
    expect(rotated.code).toBe(0);
    const after = (JSON.parse(rotated.stdout) as { token: string }).token;
    expect(after).not.toBe(before);
    const post = (secret: string) => fetch(url('/api/alerts'), { method: 'POST', headers: { 'content-type': 'application/json', ...FROM_LAN, authorization: `Bearer ${secret}` }, body: JSON.stringify({ message: 'x', priority: 1, channels: [1], duration: 1 }) });
    expect((await post(before)).status).toBe(403);
    expect((await post(after)).status).toBe(201);
    // The CLI sends the token from the data folder by itself.
    const cli = await runCli(['alert', 'From the CLI', '--priority', '2', '--channels', '1', '--duration', '1', '--server', server.baseUrl, '--data', server.dataDir]);
    expect(cli.code, cli.stderr).toBe(0);
  });

  it('a logo upload is checked by type (by its bytes) and size, then served at /channel/1/logo', async () => {
    const put = (body: Buffer, type: string) => fetch(url('/api/channels/1/logo'), { method: 'PUT', headers: { 'content-type': type }, body });
    const ok = await put(PNG_1x1, 'image/png');
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { logoPath?: string }).logoPath).toMatch(/channel-1\.png$/);
    const served = await fetch(url('/channel/1/logo'));
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG_1x1)).toBe(true);
    expect((await put(Buffer.from('<svg onload="alert(1)"/>'), 'image/png')).status).toBe(415);
    expect((await put(Buffer.alloc(1024 * 1024 + 10, 0x89), 'image/png')).status).toBe(413);
    expect((await fetch(url('/api/channels/1/logo'), { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(url('/channel/1/logo'))).headers.get('content-type')).toBe('image/png'); // the call-sign card
  });
});
