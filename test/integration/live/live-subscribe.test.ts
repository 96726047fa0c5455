import { spawn, type ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/bench/live-publisher.js';
import { migrate } from '../../../src/db/database.js';
import { LiveSources } from '../../../src/live/live-sources.js';
import { waitFor } from '../../helpers/server.js';


/**
 * What playout will use (issue 25's live blocks): `subscribe(id, onChunk)` hands over the
 * source's MPEG-TS as it arrives (whole 188-byte packets from sync byte 0x47), `isUp(id)` says
 * whether it flows. Real ffmpeg publishing over RTMP on loopback.
 */
describe('reading a live source as MPEG-TS', () => {
  const db = new Database(':memory:');
  migrate(db);
  const secrets: string[] = [];
  const live = new LiveSources({ db, ffmpegPath: 'ffmpeg', log: pino({ level: 'silent' }), onSecret: (secret) => secrets.push(secret) });
  let publisher: ChildProcess | undefined;

  afterAll(async () => {
    publisher?.kill('SIGKILL');
    await live.stop();
    db.close();
  });

  it('subscribers get the TS while the source is up, and nothing once unsubscribed', async () => {
    live.start();
    const port = await freePort();
    const { key } = live.create({ id: 'studio', name: 'Studio', url: `rtmp://0.0.0.0:${port}/live` });
    expect(secrets).toContain(key);
    expect(live.isUp('studio')).toBe(false);
    const chunks: Buffer[] = [];
    const unsubscribe = live.subscribe('studio', (chunk) => chunks.push(chunk))!;
    expect(live.subscribe('nope', () => undefined)).toBeUndefined();
    const publish = () => {
      publisher = spawn('nice', ['-n', '19', 'ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=10', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '10', '-t', '30', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/${key}`], { stdio: 'ignore' });
      // A reconnecting encoder: the first try may come before the listener is up.
      publisher.once('exit', (code) => {
        if (code !== null && !live.isUp('studio')) setTimeout(publish, 100);
      });
    };
    publish();
    await waitFor('studio up', () => (live.isUp('studio') ? true : undefined), 15_000, 100);
    await waitFor('a second of TS', () => (Buffer.concat(chunks).length > 20_000 ? true : undefined), 10_000, 100);
    const ts = Buffer.concat(chunks);
    expect(ts[0]).toBe(0x47);
    for (let offset = 0; offset + 188 <= ts.length; offset += 188) expect(ts[offset]).toBe(0x47);
    unsubscribe();
    const received = chunks.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(chunks.length).toBe(received);
    publisher!.kill('SIGKILL');
    await waitFor('studio down', () => (live.isUp('studio') ? undefined : true), 4000, 100);
  }, 40_000);
});
