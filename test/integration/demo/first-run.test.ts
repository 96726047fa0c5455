/**
 * The first run, as a new user meets it (issue 23): `serve` on an empty data folder with no media
 * answers at once while the demo library is made, puts every demo channel on the air before the
 * library is complete, and a restart mid-preparation keeps the files already made. The order of
 * events is asserted, never seconds (those are `npm run bench -- --only first-run`). The demo
 * library renders at its `tiny` profile (RETROVUE_DEMO_SIZE=tiny, the same catalog) so this runs
 * in a minute or two on a small machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, tempDir, waitFor } from '../../helpers/server.js';

interface Station { state: string; progress: number; channelsOnAir: boolean; message: string }

/** The real server on an empty data folder with no media configured: the demo station. */
async function startFirstRun(dataDir: string): Promise<{ baseUrl: string; child: ChildProcess; stop: () => Promise<void> }> {
  const configPath = path.join(tempDir('first-run-config'), 'config.json');
  writeFileSync(configPath, JSON.stringify({
    streaming: { port: 0, host: '127.0.0.1', quality: 'low', segment_duration: 2, playlist_size: 4, idle_timeout: 30 },
    ffmpeg: { resolution: '320x180', bitrate: '300k', preset: 'ultrafast' },
    data_dir: dataDir,
  }));
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RETROVUE_LOG_FORMAT: 'json', RETROVUE_DEMO_SIZE: 'tiny' },
  });
  const logs: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not listen:\n${logs.join('\n')}`)), 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      if (line.includes('"retrovue":"listening"')) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function station(baseUrl: string): Promise<Station | null> {
  const health = (await (await fetch(`${baseUrl}/api/health`)).json()) as { station: Station | null };
  return health.station;
}

/** The demo library's finished files (complete by construction: written under a hidden partial name, then renamed). */
function finishedFiles(dir: string): Map<string, number> {
  const found = new Map<string, number>();
  const walk = (folder: string) => {
    if (!existsSync(folder)) return;
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.mp4')) found.set(full, statSync(full).mtimeMs);
    }
  };
  walk(dir);
  return found;
}

const servers: Array<{ stop: () => Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

describe('the first run answers at once and signs on before the demo library is complete', () => {
  it('/ and /api/health answer while preparing, then every demo channel has a segment, then the station is ready', async () => {
    const dataDir = path.join(tempDir('first-run'), 'data');
    const server = await startFirstRun(dataDir);
    servers.push(server);

    // 1. Preparing: the page and health answer; a channel not yet on the air says so, never hangs.
    const first = await station(server.baseUrl);
    expect(first?.state).toBe('preparing');
    expect(first?.progress).toBeGreaterThanOrEqual(0);
    expect(first?.progress).toBeLessThan(1);
    expect(first?.message).toMatch(/preparing the demo station: \d+ %/);
    expect((await fetch(`${server.baseUrl}/`)).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/control`)).status).toBe(200);
    if (!first?.channelsOnAir) {
      const early = await fetch(`${server.baseUrl}/channel/1.m3u8`);
      // It may have signed on between the two requests; before that, an honest 503.
      if (early.status === 503) {
        expect(early.headers.get('retry-after')).toBeTruthy();
        expect(((await early.json()) as { message: string }).message).toMatch(/preparing the demo station/);
      }
    }

    // 2. Every demo channel publishes a segment while the library is still being made.
    const signedOnAtMs = Date.now();
    for (const n of [1, 2, 3]) {
      const segment = await waitFor(`a first segment on channel ${n}`, async () => {
        const playlist = await fetch(`${server.baseUrl}/channel/${n}.m3u8`);
        if (playlist.status !== 200) return undefined;
        const uri = (await playlist.text()).split('\n').find((line) => line.endsWith('.ts'));
        if (!uri) return undefined;
        const media = await fetch(new URL(uri, `${server.baseUrl}/channel/${n}.m3u8`));
        return media.status === 200 ? (await media.arrayBuffer()).byteLength : undefined;
      }, 120_000, 500);
      expect(segment).toBeGreaterThan(188);
    }
    const onAir = await station(server.baseUrl);
    expect(onAir?.channelsOnAir).toBe(true);
    expect(onAir?.state).toBe('preparing');

    // 2b. Each channel's first programme joins the block on the air once it is in the library
    // (CompiledTimeline.joinInProgress): it airs from an instant inside the block, not from the
    // next block boundary, so a new user does not watch commercials until then. Only when the
    // station signed on within a minute or two of a boundary may the boundary come first.
    for (const [n, blockMinutes] of [[1, 30], [2, 60], [3, 15]] as const) {
      const joined = await waitFor(`a programme on the air on channel ${n}`, async () => {
        const now = (await (await fetch(`${server.baseUrl}/api/channels/${n}/now`)).json()) as { at: string; now: { kind: string } | null; programme: { title: string; block?: string; start: string; end: string } | null };
        const programme = now.programme;
        return programme && programme.block && programme.title !== programme.block ? { ...programme, at: Date.parse(now.at) } : undefined;
      }, 240_000, 500);
      const startMs = Date.parse(joined.start);
      expect(joined.at).toBeLessThan(Date.parse(joined.end));
      if (startMs % (blockMinutes * 60_000) === 0) expect(startMs - signedOnAtMs, `channel ${n}: a boundary came before the join`).toBeLessThan(120_000);
      else expect(startMs, `channel ${n} joined its block in progress`).toBeGreaterThan(signedOnAtMs - 60_000);
    }

    // 3. Then the whole library is in, and health says ready.
    const ready = await waitFor('the station ready', async () => ((await station(server.baseUrl))?.state === 'ready' ? true : undefined), 300_000, 1000);
    expect(ready).toBe(true);
    expect(existsSync(path.join(dataDir, 'demo-media', '.retrovue-demo-complete'))).toBe(true);
    const media = (await (await fetch(`${server.baseUrl}/api/media?limit=100`)).json()) as { total: number };
    expect(media.total).toBe(16);
  }, 480_000);

  it('a restart mid-preparation keeps the files already made and finishes the rest', async () => {
    const dataDir = path.join(tempDir('first-run-restart'), 'data');
    const demoDir = path.join(dataDir, 'demo-media');
    const first = await startFirstRun(dataDir);
    servers.push(first);
    // Stopped once the sign-on files and at least one programme are complete, before the end.
    await waitFor('a programme made', () => ([...finishedFiles(demoDir).keys()].some((file) => file.includes(`${path.sep}shows${path.sep}`) || file.includes(`${path.sep}movies${path.sep}`)) ? true : undefined), 240_000, 200);
    await first.stop();
    servers.splice(0);
    expect(existsSync(path.join(demoDir, '.retrovue-demo-complete'))).toBe(false);
    const kept = finishedFiles(demoDir);
    expect(kept.size).toBeGreaterThan(7);

    const second = await startFirstRun(dataDir);
    servers.push(second);
    await waitFor('the station ready', async () => ((await station(second.baseUrl))?.state === 'ready' ? true : undefined), 300_000, 1000);
    const after = finishedFiles(demoDir);
    expect(after.size).toBe(16);
    // Not one kept file was rendered again.
    for (const [file, mtimeMs] of kept) expect(after.get(file), file).toBe(mtimeMs);
  }, 600_000);
});
