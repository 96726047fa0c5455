import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKEN_FIXTURES, GOOD_FIXTURES, generateMessyLibrary } from '../../helpers/library-fixtures.js';
import { makeClips } from '../../helpers/media.js';
import { runCli, startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

/** `retrovue scan`, `retrovue chapters …` and `/api/media…` over the built CLI and the real server. */
describe('library from the command line and over HTTP', () => {
  let work: string;
  let root: string;
  let dataDir: string;
  let server: RunningServer | undefined;
  const pilot = () => path.join(root, GOOD_FIXTURES[0]!.relPath);
  const total = GOOD_FIXTURES.length + BROKEN_FIXTURES.length;

  beforeAll(async () => {
    work = tempDir('library-cli');
    root = path.join(work, 'library');
    dataDir = path.join(work, 'data');
    await generateMessyLibrary(root, path.join(work, 'scratch'));
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('scan prints a one-line summary and the unplayable files with reasons; a rescan probes nothing', async () => {
    const first = await runCli(['scan', '--media', root, '--data', dataDir]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(`^Scanned ${total} files in \\d+\\.\\d s: ${total} added, 0 updated, 0 unchanged, 0 missing, ${BROKEN_FIXTURES.length} unplayable \\(${total} probed\\)\\n`),
    );
    for (const broken of BROKEN_FIXTURES) {
      expect(first.stdout).toMatch(new RegExp(`unplayable: .*${broken.relPath.replace('.', '\\.')}: (moov atom not found|Invalid data found)`));
    }
    const again = await runCli(['scan', '--media', root, '--data', dataDir, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ found: total, added: 0, updated: 0, unchanged: total, probed: 0, unplayable: BROKEN_FIXTURES.length });
  });

  it('scan names a bad folder and exits non-zero', async () => {
    const result = await runCli(['scan', '--media', path.join(work, 'no-such-folder'), '--data', dataDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/library folder .*no-such-folder does not exist/);
  });

  it('chapters list|add|remove edit the markers, by media path or id', async () => {
    const list = await runCli(['chapters', 'list', pilot(), '--data', dataDir, '--json']);
    expect(list.code).toBe(0);
    const markers = JSON.parse(list.stdout) as Array<{ id: number; title: string; timestampMs: number; source: string; mediaFileId: number }>;
    expect(markers.map((m) => [m.title, m.timestampMs, m.source])).toEqual([['Cold open', 0, 'file'], ['Act 1', 800, 'file'], ['Act 2', 1500, 'file']]);

    const mediaId = String(markers[0]!.mediaFileId);
    const added = await runCli(['chapters', 'add', mediaId, '0:01.2', 'Station break', '--data', dataDir]);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^added +\d+ +0:00:01\.200 +user +Station break\n$/);
    const removed = await runCli(['chapters', 'remove', mediaId, String(markers[1]!.id), '--data', dataDir]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/removed .*Act 1 \(imported from the file; a rescan will not bring it back\)/);

    const human = await runCli(['chapters', 'list', mediaId, '--data', dataDir]);
    expect(human.stdout.split('\n').filter(Boolean).slice(1).map((l) => l.trim().split(/\s+/).slice(1).join(' '))).toEqual([
      '0:00:00.000 file Cold open',
      '0:00:01.200 user Station break',
      '0:00:01.500 file Act 2',
    ]);
  });

  it('chapters refuses bad input with a clear message', async () => {
    const badTime = await runCli(['chapters', 'add', pilot(), 'soon', 'x', '--data', dataDir]);
    expect(badTime).toMatchObject({ code: 2, stdout: '' });
    expect(badTime.stderr).toMatch(/time "soon": use milliseconds/);
    const outside = await runCli(['chapters', 'add', pilot(), '90000', 'x', '--data', dataDir]);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/not inside the file/);
    const unknown = await runCli(['chapters', 'list', '424242', '--data', dataDir]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/no media file 424242/);
  });

  describe('REST', () => {
    const api = (p: string, init?: RequestInit) => fetch(`${server!.baseUrl}${p}`, init);
    const json = async (p: string, init?: RequestInit) => {
      const response = await api(p, init);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> & { items?: Array<Record<string, unknown>> } };
    };
    const post = (p: string, body: unknown) => json(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    beforeAll(async () => {
      server = await startServer(testConfig({ media: [root], dataDir }));
    });

    it('serve rescanned the library at start without probing, and airs only ok files', async () => {
      // Log lines may arrive just after the "listening" line: wait for the scan's summary.
      const summary = await waitFor('the scan summary in the log', () =>
        server!.logs
          .map((line) => { try { return JSON.parse(line) as Record<string, unknown>; } catch { return {}; } })
          .find((entry) => typeof entry.msg === 'string' && entry.msg.startsWith('Scanned')),
      );
      expect(summary).toMatchObject({ found: total, unchanged: total, probed: 0, unplayable: BROKEN_FIXTURES.length });
      const now = await json('/api/channels/1/now');
      expect(now.status).toBe(200);
      const titles = GOOD_FIXTURES.map((f) => f.expect.title);
      const airing = now.body as unknown as { now: { title: string }; next: { title: string } };
      expect(titles).toContain(airing.now.title);
      expect(titles).toContain(airing.next.title);
    });

    it('GET /api/media filters by kind, show and status, and pages', async () => {
      const episodes = await json('/api/media?kind=episode');
      expect(episodes.status).toBe(200);
      expect(episodes.body.total).toBe(GOOD_FIXTURES.filter((f) => f.expect.kind === 'episode').length);
      const page = await json('/api/media?kind=episode&limit=2&offset=1');
      expect(page.body).toMatchObject({ total: episodes.body.total, limit: 2, offset: 1 });
      expect(page.body.items!.map((i) => i.id)).toEqual(episodes.body.items!.slice(1, 3).map((i) => i.id));
      const show = await json(`/api/media?show=${encodeURIComponent('test show')}`);
      expect(show.body.items!.map((i) => [i.season, i.episode, i.title])).toEqual([[1, 1, 'Pilot'], [1, 2, 'Sequel']]);
      const broken = await json('/api/media?status=unplayable');
      expect(broken.body.total).toBe(BROKEN_FIXTURES.length);
      for (const item of broken.body.items!) expect(item.reason).toMatch(/moov atom not found|Invalid data found/);
    });

    it.each([
      ['/api/media?kind=sitcom', /kind/],
      ['/api/media?limit=0', /limit/],
      ['/api/media?status=gone', /status/],
      ['/api/media?colour=red', /unknown parameter\(s\) colour/],
      ['/api/media/abc', /must be a positive whole number/],
      ['/api/media/abc/chapters', /must be a positive whole number/],
    ])('GET %s is a 400 with a message', async (url, message) => {
      const { status, body } = await json(url);
      expect(status).toBe(400);
      expect(body).toMatchObject({ error: 'bad_request', message: expect.stringMatching(message) });
    });

    it('GET /api/media/{id} has the streams and the chapters with their source; unknown ids are 404', async () => {
      const list = await json(`/api/media?show=${encodeURIComponent('Test Show')}`);
      const sequel = list.body.items!.find((i) => i.title === 'Sequel')!;
      const detail = await json(`/api/media/${sequel.id}`);
      expect(detail.status).toBe(200);
      expect(detail.body).toMatchObject({
        status: 'ok',
        container: 'matroska,webm',
        video: { codec: 'hevc', bitDepth: 10, frameRateFraction: '25/1', displayAspect: '16:9' },
        audio: [{ codec: 'aac', channels: 6, language: 'eng', channelLayout: '5.1' }],
        subtitles: [{ codec: 'subrip', language: 'fre' }],
        chapters: [{ title: 'Intro', timestampMs: 0, source: 'file' }, { title: 'Middle', timestampMs: 1000, source: 'file' }],
      });
      const missing = await json('/api/media/999999');
      expect(missing).toMatchObject({ status: 404, body: { error: 'not_found', message: 'no media file with id 999999' } });
      expect((await json('/api/media/999999/chapters')).status).toBe(404);
    });

    it('POST and DELETE /api/media/{id}/chapters edit the markers, refusing bad requests', async () => {
      const list = await json(`/api/media?show=${encodeURIComponent('Test Show')}`);
      const pilotId = list.body.items!.find((i) => i.title === 'Pilot')!.id as number;
      const before = await json(`/api/media/${pilotId}/chapters`);
      // The CLI's edits, made before the server started, are there.
      expect((before.body.chapters as Array<{ title: string }>).map((c) => c.title)).toEqual(['Cold open', 'Station break', 'Act 2']);

      const created = await post(`/api/media/${pilotId}/chapters`, { title: 'Late break', timestampMs: 1800 });
      expect(created).toMatchObject({ status: 201, body: { title: 'Late break', timestampMs: 1800, source: 'user' } });

      for (const [body, message] of [
        [{ title: '', timestampMs: 10 }, /title/],
        [{ title: 'x', timestampMs: 1.5 }, /timestampMs/],
        [{ title: 'x', timestampMs: 1800 }, /already starts at 1800/],
        [{ title: 'x', timestampMs: 10, colour: 'red' }, /unknown field\(s\) colour/],
        [[1, 2], /JSON object/],
      ] as const) {
        const refused = await post(`/api/media/${pilotId}/chapters`, body);
        expect(refused.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
        expect(refused.status).toBeLessThan(500);
        expect(refused.body.message).toMatch(message);
      }
      const garbled = await json(`/api/media/${pilotId}/chapters`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":' });
      expect(garbled.status).toBe(400);

      const removed = await json(`/api/media/${pilotId}/chapters/${created.body.id}`, { method: 'DELETE' });
      expect(removed).toMatchObject({ status: 200, body: { id: created.body.id, title: 'Late break' } });
      const again = await json(`/api/media/${pilotId}/chapters/${created.body.id}`, { method: 'DELETE' });
      expect(again.status).toBe(404);
      const after = await json(`/api/media/${pilotId}/chapters`);
      expect(after.body.chapters).toEqual(before.body.chapters);
    });

    it('POST /api/library/scan rescans while serving; in loop mode the new file joins the loop, as after a restart', async () => {
      const [fresh] = await makeClips(path.join(root, 'Fresh Show'), [{ name: 'Fresh Show - S01E01 - Arrival.mp4', seconds: 3 }]);
      const started = await json('/api/library/scan', { method: 'POST' });
      expect(started).toMatchObject({ status: 202, body: { state: 'running' } });
      const done = await waitFor('the rescan', async () => {
        const status = await json('/api/library/scan');
        return status.body.state === 'running' ? undefined : status.body;
      });
      expect(done).toMatchObject({ state: 'done', summary: { added: 1, found: total + 1, unplayable: BROKEN_FIXTURES.length } });
      expect((await json(`/api/media?show=${encodeURIComponent('Fresh Show')}`)).body.items).toEqual([expect.objectContaining({ title: 'Arrival', status: 'ok' })]);
      const timeline = await json('/api/channels/1/timeline');
      expect((timeline.body.airings as Array<{ mediaPath: string }>).some((a) => a.mediaPath === fresh)).toBe(true);
    });
  });
});
