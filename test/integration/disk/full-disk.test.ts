import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClips } from '../../helpers/media.js';
import { fetchPlaylist, streamFacts } from '../../helpers/hls.js';
import { startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

/**
 * A full data disk (issue 23): reported in channel status, /api/health and the monitor, paged to
 * notify.webhook; no playlist ever lists a segment that is missing, empty or without video; and
 * the channel recovers by itself once space returns. Two ways to fill the disk: a real small
 * tmpfs filled with a filler file (needs `mount`, i.e. root in a container that allows it), and
 * always the injected fault (src/disk/fault-injection.ts) for machines without mount.
 */

interface PageEvent { event: string; channel: number | null; warning: string; at: string; station: string }

/** A webhook receiver on loopback: refuses its first POST (500), takes every later one. */
async function pager(): Promise<{ url: string; events: PageEvent[]; refused: number; close(): void }> {
  const state = { events: [] as PageEvent[], refused: 0 };
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (state.refused === 0) {
        state.refused += 1;
        response.writeHead(500).end();
        return;
      }
      state.events.push(JSON.parse(body) as PageEvent);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/page`, get events() { return state.events; }, get refused() { return state.refused; }, close: () => server.close() };
}

interface Status { encoder: { lastError: string | null }; writeErrors: { count: number; failing: boolean; last: { code: string; message: string } | null } }
interface Health { disk: { dataDir: string; full: boolean; low: boolean; writeErrors: number; freeBytes: number; lastWriteError: { message: string; where: string } | null } }
interface Monitor { server: { warnings: string[] }; channels: Array<{ number: number; warnings: string[] }> }

const getJson = async <T>(url: string): Promise<T> => (await fetch(url)).json() as Promise<T>;

/** Every segment the playlist lists now: fetched, non-empty, and with a video stream (ffprobe). */
async function checkListedSegments(server: RunningServer, scratch: string): Promise<number> {
  const { playlist } = await fetchPlaylist(`${server.baseUrl}/channel/1.m3u8`);
  expect(playlist.segments.length).toBeGreaterThan(0);
  for (const segment of playlist.segments) {
    const response = await fetch(`${server.baseUrl}/channel/${segment.uri}`);
    expect(response.status, `listed segment ${segment.uri}`).toBe(200);
    const data = Buffer.from(await response.arrayBuffer());
    expect(data.length, `listed segment ${segment.uri} is empty`).toBeGreaterThan(1000);
    const file = path.join(scratch, `${segment.sequence}.ts`);
    await writeFile(file, data);
    const { streams } = await streamFacts(file);
    expect(streams.map((s) => s.codec_type), `listed segment ${segment.uri}`).toContain('video');
  }
  return playlist.segments[playlist.segments.length - 1]!.sequence;
}

/**
 * The scenario, whatever fills the disk: on the air, the disk fills, it is reported and paged
 * while the channel plays on (every listed segment whole), space returns, it recovers.
 */
function fullDiskScenario(name: string, setup: () => Promise<{ dataDir: string; fill(): Promise<void>; free(): Promise<void>; cleanup(): void }>) {
  describe(name, () => {
    let server: RunningServer;
    let page: Awaited<ReturnType<typeof pager>>;
    let disk: Awaited<ReturnType<typeof setup>>;
    let scratch: string;
    const url = (p: string) => `${server.baseUrl}${p}`;

    beforeAll(async () => {
      disk = await setup();
      const work = tempDir('disk-media');
      scratch = path.join(work, 'scratch');
      mkdirSync(scratch);
      const media = await makeClips(path.join(work, 'media'), [{ name: 'a.mp4', seconds: 6, size: '160x90', rate: 10 }]);
      page = await pager();
      server = await startServer({
        ...testConfig({ media: [path.dirname(media[0]!)], dataDir: disk.dataDir, streaming: { channels: 1, mode: 'loop' } }),
        cache: { enabled: false, min_free_gb: 0.005 },
        notify: { webhook: page.url, token: 'pager-secret' },
        hdhr: { friendly_name: 'Test Station' },
      } as ReturnType<typeof testConfig>);
    }, 120_000);

    afterAll(async () => {
      await server?.stop();
      page?.close();
      disk?.cleanup();
    });

    it('INV-DISK-1: reports a full disk everywhere, keeps every listed segment whole, and recovers by itself', async () => {
      await waitFor('channel 1 on the air', async () => ((await fetchPlaylist(url('/channel/1.m3u8'))).playlist.segments.length >= 2 ? true : undefined), 60_000, 500);
      const before = await getJson<Status>(url('/api/channels/1/status'));
      expect(before.encoder.lastError).toBeNull();
      expect(before.writeErrors).toMatchObject({ count: 0, failing: false });

      await disk.fill();
      const failing = await waitFor('the full disk reported in the channel status', async () => {
        await fetch(url('/channel/1.m3u8'));
        const status = await getJson<Status>(url('/api/channels/1/status'));
        return status.writeErrors.failing ? status : undefined;
      }, 30_000, 500);
      expect(failing.encoder.lastError).toMatch(/^disk full: cannot write to .*channels\/1\/hls/);
      expect(failing.writeErrors.last?.code).toBe('ENOSPC');
      const health = await getJson<Health>(url('/api/health'));
      expect(health.disk).toMatchObject({ dataDir: disk.dataDir, full: true });
      expect(health.disk.writeErrors).toBeGreaterThan(0);
      expect(health.disk.lastWriteError?.message).toMatch(/disk full/);
      const monitor = await getJson<Monitor>(url('/api/monitor'));
      expect(monitor.server.warnings.join('\n')).toMatch(/data disk full: segments cannot be written \(\d+ MB free/);
      expect(monitor.channels.find((c) => c.number === 1)?.warnings.join('\n')).toMatch(/segments cannot be written: disk full/);

      // While the disk is full the channel plays on from memory: every listed segment is whole.
      let lastDuringFault = 0;
      for (let i = 0; i < 4; i += 1) {
        lastDuringFault = await checkListedSegments(server, scratch);
        await new Promise((resolve) => setTimeout(resolve, 1500));
      }
      // Paged once (the first POST was refused and retried), however many segments failed.
      await waitFor('the page for the full disk', () => (page.events.some((e) => e.event === 'warning' && /data disk full/.test(e.warning)) ? true : undefined), 30_000, 500);
      expect(page.refused).toBe(1);
      expect(page.events.filter((e) => e.event === 'warning' && /data disk full/.test(e.warning))).toHaveLength(1);
      expect(page.events.find((e) => /data disk full/.test(e.warning))).toMatchObject({ channel: null, station: 'Test Station' });
      expect(server.logs.filter((l) => l.includes('disk full: cannot write to') && l.includes('keeps playing from memory'))).toHaveLength(1);

      await disk.free();
      const recovered = await waitFor('the channel recovered by itself', async () => {
        await fetch(url('/channel/1.m3u8'));
        const status = await getJson<Status>(url('/api/channels/1/status'));
        return status.writeErrors.failing ? undefined : status;
      }, 30_000, 500);
      expect(recovered.encoder.lastError).toBeNull();
      expect(recovered.writeErrors.count).toBeGreaterThan(0);
      expect(server.logs.some((l) => l.includes('recovered: segments are written to disk again'))).toBe(true);
      await waitFor('health and monitor clear', async () => {
        const h = await getJson<Health>(url('/api/health'));
        const m = await getJson<Monitor>(url('/api/monitor'));
        return !h.disk.full && m.server.warnings.length === 0 && (m.channels[0]?.warnings.length ?? 0) === 0 ? true : undefined;
      }, 20_000, 500);
      // New segments appear, on disk too.
      const after = await waitFor('new segments after recovery', async () => {
        const last = await checkListedSegments(server, scratch);
        return last > lastDuringFault + 1 ? last : undefined;
      }, 30_000, 1000);
      expect(after).toBeGreaterThan(lastDuringFault);
      const files = await readdir(path.join(disk.dataDir, 'channels', '1', 'hls'));
      expect(files.some((f) => f.endsWith('.ts'))).toBe(true);
      expect(files.filter((f) => f.endsWith('.part'))).toEqual([]);
      await waitFor('the page for the cleared disk', () => (page.events.some((e) => e.event === 'cleared' && /data disk full/.test(e.warning)) ? true : undefined), 30_000, 500);
    }, 240_000);
  });
}

fullDiskScenario('a full data disk, by injected write fault (works everywhere)', async () => {
  const dataDir = path.join(tempDir('disk-fault'), 'data');
  const fault = path.join(path.dirname(dataDir), 'fault');
  // Read by the server child (startServer passes the environment on): see src/disk/fault-injection.ts.
  process.env.RETROVUE_FAULT_INJECTION_FILE = fault;
  return {
    dataDir,
    fill: async () => writeFileSync(fault, 'ENOSPC'),
    free: async () => unlink(fault),
    cleanup: () => {
      delete process.env.RETROVUE_FAULT_INJECTION_FILE;
      rmSync(path.dirname(dataDir), { recursive: true, force: true });
    },
  };
});

/** A real tmpfs of 64 MB, if this machine lets the tests mount one (root, mount allowed). */
function tryMount(dir: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error).trim();
  }
}
const mountDir = tempDir('disk-tmpfs');
const cannotMount = process.getuid?.() === 0 ? tryMount(mountDir) : 'not root';
if (cannotMount) console.warn(`full-disk test on a real tmpfs skipped: cannot mount one here (${cannotMount}); the injected-fault variant still runs`);
else {
  fullDiskScenario('a full data disk, on a real 64 MB tmpfs filled by a file', async () => {
    const dataDir = path.join(mountDir, 'data');
    const filler = path.join(mountDir, 'filler');
    return {
      dataDir,
      // Writes zeros until the file system refuses: the disk is truly full (ENOSPC).
      fill: async () => {
        try {
          execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1M'], { stdio: 'pipe' });
        } catch {
          // dd ends with "No space left on device": the point.
        }
        expect(existsSync(filler)).toBe(true);
      },
      free: async () => unlink(filler),
      cleanup: () => {
        try {
          execFileSync('umount', ['-l', mountDir], { stdio: 'pipe' });
        } catch {
          // Already gone.
        }
        rmSync(mountDir, { recursive: true, force: true });
      },
    };
  });
}
