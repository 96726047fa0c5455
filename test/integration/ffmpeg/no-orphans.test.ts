import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { makeClips } from '../../helpers/media.js';
import { sleep, startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

const run = promisify(execFile);

/** The server's child processes right now: pid and command line. */
async function childrenOf(pid: number): Promise<Array<{ pid: number; args: string }>> {
  const { stdout } = await run('ps', ['-o', 'pid=,args=', '--ppid', String(pid)]).catch(() => ({ stdout: '' }));
  return stdout
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), args: match[2]! }));
}

/** Whether a process still runs (a zombie waiting to be reaped has already died). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('INV-PROC-2: no orphan ffmpeg, thumbnails and graphics previews included', () => {
  let server: RunningServer | undefined;
  afterAll(async () => {
    if (server && server.process.exitCode === null && server.process.signalCode === null) await server.stop();
  });

  it('a server killed with SIGKILL while thumbnails and a preview render leaves no ffmpeg behind', async () => {
    const work = tempDir('no-orphans');
    const media = path.join(work, 'media');
    await makeClips(path.join(media, 'Signal Hill', 'Season 1'), [{ name: 'Signal Hill - S01E01 - Pilot.mp4', seconds: 20 }]);
    server = await startServer({
      ...testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { mode: 'schedule' } }),
      channels: [{ number: 1, name: 'Signal', schedule: { blocks: [] } }],
    } as ReturnType<typeof testConfig>);
    const base = server.baseUrl;
    const { items } = (await (await fetch(`${base}/api/media`)).json()) as { items: Array<{ id: number }> };
    const mediaId = items[0]!.id;
    const serverPid = server.process.pid!;

    // Keep ffmpeg busy: thumbnails (two render at once, the rest wait; each grid second once)
    // and graphics previews (never cached), until one of each is running at the same moment.
    const requests: Array<Promise<unknown>> = [];
    let second = 0;
    const feeder = setInterval(() => {
      if (second <= 20) requests.push(fetch(`${base}/api/media/${mediaId}/thumbnail?at=${second++ * 1000}`).catch(() => undefined));
      requests.push(fetch(`${base}/api/channels/1/graphics/preview`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ card: 'lower_third' }) }).catch(() => undefined));
    }, 40);
    const thumbnailsDir = path.join(work, 'data', 'thumbnails');
    const seen = await waitFor('a thumbnail and a preview ffmpeg running at once', async () => {
      const children = (await childrenOf(serverPid)).filter((c) => /ffmpeg/.test(c.args));
      const thumbnail = children.some((c) => c.args.includes(thumbnailsDir));
      const preview = children.some((c) => c.args.includes('gradients='));
      return thumbnail && preview ? children : undefined;
    }, 15_000, 5).finally(() => clearInterval(feeder));
    const died = new Promise((resolve) => server!.process.once('exit', resolve));
    server.process.kill('SIGKILL');
    await died;
    // The kernel sends the parent-death signal as the server dies; a child started without it
    // would still be rendering (a thumbnail or a preview takes a few hundred milliseconds).
    await sleep(50);
    const survivors = seen.filter((c) => alive(c.pid));
    expect(survivors, survivors.map((c) => c.args.slice(0, 160)).join('\n')).toEqual([]);
    await Promise.allSettled(requests);
  });
});
