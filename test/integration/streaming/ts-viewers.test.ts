import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClips } from '../../helpers/media.js';
import { startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

interface Status {
  state: string;
  viewers: { ts: number };
}

/** A .ts viewer who hangs up while the channel is still starting must not be counted. */
describe('MPEG-TS viewers (real server)', () => {
  let server: RunningServer;

  beforeAll(async () => {
    const work = tempDir('ts-viewers');
    const media = path.join(work, 'media');
    await makeClips(media, [{ name: 'a.mp4', seconds: 3, size: '160x90', rate: 25 }]);
    server = await startServer(testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { idle_timeout: 3 } }));
  });

  afterAll(async () => {
    await server?.stop();
  });

  const status = async (): Promise<Status> => (await (await fetch(`${server.baseUrl}/api/channels/1/status`)).json()) as Status;

  it('INV-IDLE-1: forgets a viewer who left before the cold channel was live, and the channel still goes idle', async () => {
    expect((await status()).state).toBe('stopped');
    const abort = new AbortController();
    const tuning = fetch(`${server.baseUrl}/channel/1.ts`, { signal: abort.signal }).catch((error: Error) => error);
    setTimeout(() => abort.abort(), 100); // long before the first segment exists
    expect(await tuning).toBeInstanceOf(Error);

    await waitFor('the channel to be live', async () => ((await status()).state === 'live' ? true : undefined), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await status()).viewers.ts).toBe(0);
    // Nobody watches: after idle_timeout the encoder stops.
    await waitFor('the idle channel to stop', async () => ((await status()).state === 'stopped' ? true : undefined), 20_000, 250);
  });
});
