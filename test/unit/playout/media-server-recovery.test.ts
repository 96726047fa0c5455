import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { setMediaServerResolver } from '../../../src/ffmpeg/media-input.js';
import type { Toolchain } from '../../../src/ffmpeg/toolchain.js';
import { channelGrid } from '../../../src/hls/segment-grid.js';
import type { SourceCheck } from '../../../src/library/probe.js';
import { createLogger } from '../../../src/logging/logger.js';
import { clearSecrets } from '../../../src/logging/redact.js';
import { AiringChain } from '../../../src/playout/airing-chain.js';
import { MEDIA_SERVER_RETRY_MS, planRender, retryBound, type AiringSlice, type RenderFacts } from '../../../src/playout/render-plan.js';
import type { Airing, ChannelTimeline } from '../../../src/timeline/types.js';
import { fakeSpawner, type FakeChild } from '../../helpers/fake-child.js';

/**
 * A media server's airing that fails (the server dies, hangs, or refuses the check): a slate
 * for a few seconds at a time, the airing tried again after each from where the timeline is,
 * until the slot ends — where a local file's failure slates the whole rest of its slot. The
 * decision (render-plan.ts) and the chain's execution of it, with fake renderers; no ffmpeg.
 */
const T0 = Date.UTC(2024, 5, 3, 18);
const TOKEN = 'plex-token-9dK2mQ';
const URL_A = 'http://plex.lan:32400/library/parts/7/1700000000/file.mkv';
const profile = {
  width: 320, height: 180, frameRate: 30, videoCodec: 'libx264', videoBitrate: '300k', audioCodec: 'aac', audioBitrate: '96k',
  audioSampleRate: 48000 as const, audioChannels: 2 as const, preset: 'ultrafast',
};
const toolchain: Toolchain = { ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', version: 'fake', encoders: new Set(), hwaccels: [], filters: new Set() };
const okCheck: SourceCheck = { ok: true, facts: { hasAudio: true, interlaced: false } };

function airing(startS: number, endS: number, title: string, mediaPath: string): Airing {
  const startMs = T0 + startS * 1000;
  const endMs = T0 + endS * 1000;
  return { startMs, endMs, mediaPath, inPointMs: 0, outPointMs: endMs - startMs, kind: 'program', title };
}

function timelineOf(airings: Airing[]): ChannelTimeline {
  return {
    endsAtMs: airings.at(-1)!.endMs,
    at: (t) => {
      const a = airings.find((x) => x.startMs <= t && t < x.endMs);
      return a ? { airing: a, offsetMs: t - a.startMs } : undefined;
    },
    airingsBetween: (from, to) => airings.filter((a) => a.endMs > from && a.startMs < to),
  };
}

/** What a fake renderer reads: the stream's URL, a local file, or a slate; with its input seek. */
function pictureOf(child: FakeChild): string {
  const input = child.args[child.args.indexOf('-i') + 1]!;
  if (input.startsWith('color=')) return 'slate';
  const seek = child.args.indexOf('-ss');
  return seek >= 0 && seek < child.args.indexOf('-i') ? `${input} @${child.args[seek + 1]}` : input;
}

/** Seconds of picture a fake slate covers (its trim, at 30 fps). */
const slateSeconds = (child: FakeChild) => Number(/trim=end_frame=(\d+)/.exec(child.args.join(' '))![1]) / 30;

function chainFor(airings: Airing[], behave: (child: FakeChild, index: number) => void, check: (path: string, attempt: number) => SourceCheck) {
  const spawner = fakeSpawner(behave);
  const sink = new PassThrough();
  sink.resume();
  let logged = '';
  const destination = new Writable({
    write(chunk: Buffer, _e, done) {
      logged += chunk.toString();
      done();
    },
  });
  const attempts = new Map<string, number>();
  const chain = new AiringChain({
    timeline: timelineOf(airings),
    toolchain,
    profile,
    grid: channelGrid(2),
    loudnessTarget: -23,
    runStartMs: airings[0]!.startMs,
    runClockSeconds: 100,
    sink,
    log: createLogger('debug', undefined, destination),
    spawnRenderer: spawner.spawn,
    checkSource: async (_ffprobe, path) => {
      const n = (attempts.get(path) ?? 0) + 1;
      attempts.set(path, n);
      return check(path, n);
    },
  });
  return { chain, spawner, logged: () => logged, lines: () => logged.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

afterEach(() => {
  setMediaServerResolver(undefined);
  clearSecrets();
});

function plexResolver(): void {
  setMediaServerResolver((mediaPath) => (mediaPath === 'media-server:1:aaa' ? { url: URL_A, headers: { 'X-Plex-Token': TOKEN }, label: 'plex-1: Pilot' } : { unavailable: 'unknown item' }));
}

describe('render plan: a media server airing that cannot play now', () => {
  const slice = (fromS: number, toS: number): AiringSlice => ({ airing: airing(0, 30, 'Pilot', 'media-server:1:aaa'), fromMs: T0 + fromS * 1000, toMs: T0 + toS * 1000 });
  const facts = (s: AiringSlice, more: Partial<RenderFacts>): RenderFacts => ({ slice: s, frameRate: 30, ...more });

  it('its check failed: a slate for MEDIA_SERVER_RETRY_MS, not for the rest of the slot', () => {
    const plan = planRender(facts(slice(4, 30), { streamed: true, source: { ok: false, reason: 'plex-1: Pilot: Connection refused' } }));
    expect(plan).toMatchObject({ kind: 'slate', picture: 'drawn slate', reason: 'plex-1: Pilot: Connection refused', slice: { fromMs: T0 + 4000, toMs: T0 + 4000 + MEDIA_SERVER_RETRY_MS } });
    expect(plan.why).toBe('its media server cannot stream it now (plex-1: Pilot: Connection refused); tried again after the slate');
  });

  it('its renderer failed: the forced slate is bounded the same way', () => {
    const plan = planRender(facts(slice(4, 30), { streamed: true, forcedSlate: { reason: 'Connection reset by peer', picture: 'drawn slate' } }));
    expect(plan).toMatchObject({ kind: 'slate', slice: { toMs: T0 + 4000 + MEDIA_SERVER_RETRY_MS } });
  });

  it('a local file (not streamed) still slates the whole rest of its slot (INV-AIR-1, unchanged)', () => {
    expect(planRender(facts(slice(4, 30), { source: { ok: false, reason: 'moov atom not found' } }))).toMatchObject({ kind: 'slate', slice: { toMs: T0 + 30_000 } });
    expect(planRender(facts(slice(4, 30), { forcedSlate: { reason: 'x', picture: 'drawn slate' } }))).toMatchObject({ kind: 'slate', slice: { toMs: T0 + 30_000 } });
  });

  it('retryBound leaves no sliver: under a second left after the slate, the slate takes it all', () => {
    expect(retryBound(slice(20, 30)).toMs).toBe(T0 + 26_000);
    expect(retryBound(slice(23.5, 30)).toMs).toBe(T0 + 30_000);
    expect(retryBound(slice(28, 30)).toMs).toBe(T0 + 30_000);
  });
});

describe('AiringChain: a media server that dies mid-airing', () => {
  it('slate for a few seconds, then the airing again from where the timeline is (its stream, its seek), then the next airing on time', async () => {
    plexResolver();
    const { chain, spawner, lines } = chainFor(
      [airing(0, 30, 'Pilot', 'media-server:1:aaa'), airing(30, 40, 'Local', '/media/local.mp4')],
      (child, index) => {
        if (index === 0) {
          child.render(188, 4); // 4 s in, the server goes away
          child.exit(1, `${URL_A}: Connection reset by peer`);
          return;
        }
        child.render(188, 1);
        child.exit(0);
      },
      () => okCheck,
    );
    await chain.run();
    const pictures = spawner.children.map(pictureOf);
    // The stream, the next airing started ahead, the slate from one frame after the last rendered one, the stream again.
    expect(pictures).toEqual([URL_A, '/media/local.mp4', 'slate', `${URL_A} @10.033`]);
    expect(slateSeconds(spawner.children[2]!)).toBeCloseTo(MEDIA_SERVER_RETRY_MS / 1000, 1);
    // The try reads the server as the first did: its bounded, authorised, exit-on-error input.
    const retry = spawner.children[3]!.args;
    expect(retry).toEqual(expect.arrayContaining(['-xerror', '-rw_timeout', '2000000', '-headers', `X-Plex-Token: ${TOKEN}\r\n`]));
    expect(retry.join(' ')).not.toContain('media-server:');
    expect(chain.slatesShown).toBe(1);
    const failed = lines().find((l) => l.msg === 'airing renderer failed reading its media server: slate, then the airing is tried again');
    expect(failed?.lastError).toBe('plex-1: Pilot: Connection reset by peer');
    expect(failed?.streamError).toBe('plex-1: Pilot: Connection reset by peer');
    expect(lines().filter((l) => l.msg === 'trying the airing again')).toHaveLength(1);
  });

  it('a server still down at the next tries: a slate per try (each its own check), until it answers again within the slot', async () => {
    plexResolver();
    const { chain, spawner, lines } = chainFor(
      [airing(0, 30, 'Pilot', 'media-server:1:aaa')],
      (child, index) => {
        if (index === 0) {
          child.render(188, 4);
          child.exit(1, `${URL_A}: Input/output error`);
          return;
        }
        child.render(188, 1);
        child.exit(0);
      },
      // The first check (before air) passes; the server is down for the next two; then back.
      (_path, attempt) => (attempt === 2 || attempt === 3 ? { ok: false, reason: 'plex-1: Pilot: Connection refused' } : okCheck),
    );
    await chain.run();
    expect(spawner.children.map(pictureOf)).toEqual([URL_A, 'slate', 'slate', 'slate', `${URL_A} @22.033`]);
    expect(spawner.children.slice(1, 4).map(slateSeconds).map((s) => Math.round(s))).toEqual([6, 6, 6]);
    expect(chain.slatesShown).toBe(3);
    const refused = lines().filter((l) => l.msg === 'airing cannot play: showing a slate for its slot');
    expect(refused.map((l) => l.reason)).toEqual(['plex-1: Pilot: Connection refused', 'plex-1: Pilot: Connection refused']);
  });

  it('a server that never comes back: slates to the end of the slot, never more, and the next airing on time', async () => {
    plexResolver();
    const { chain, spawner } = chainFor(
      [airing(0, 20, 'Pilot', 'media-server:1:aaa'), airing(20, 30, 'Local', '/media/local.mp4')],
      (child, index) => {
        if (index === 0) {
          child.render(188, 4);
          child.exit(1, 'Connection timed out');
          return;
        }
        child.render(188, 1);
        child.exit(0);
      },
      (path, attempt) => (path === '/media/local.mp4' || attempt === 1 ? okCheck : { ok: false, reason: 'plex-1: Pilot: Connection timed out' }),
    );
    await chain.run();
    const pictures = spawner.children.map(pictureOf);
    expect(pictures).toEqual([URL_A, '/media/local.mp4', 'slate', 'slate', 'slate']);
    // 4.033 → 10.033 → 16.033 → 20: the last slate ends exactly at the slot's end (under 6 s).
    const slates = spawner.children.slice(2).map(slateSeconds);
    expect(slates[0]).toBeCloseTo(6, 1);
    expect(slates[1]).toBeCloseTo(6, 1);
    expect(slates[2]).toBeCloseTo(20 - 16.033, 1);
  });

  it('a local file that fails is slated for the whole rest of its slot, no retry (unchanged)', async () => {
    plexResolver();
    const { chain, spawner } = chainFor(
      [airing(0, 30, 'Local', '/media/local.mp4')],
      (child, index) => {
        if (index === 0) {
          child.render(188, 4);
          child.exit(1, 'Error while decoding stream #0:0');
          return;
        }
        child.render(188, 1);
        child.exit(0);
      },
      () => okCheck,
    );
    await chain.run();
    expect(spawner.children.map(pictureOf)).toEqual(['/media/local.mp4', 'slate']);
    expect(slateSeconds(spawner.children[1]!)).toBeCloseTo(30 - 4.033, 1);
  });

  it('the token never reaches the log, nor the status\' reason, even when ffmpeg echoes it', async () => {
    plexResolver();
    // The slate's reason as the status API shows it (rendering.reason), read while the slate is on.
    let slateReason: string | undefined;
    const { chain, logged, spawner } = chainFor(
      [airing(0, 12, 'Pilot', 'media-server:1:aaa')],
      (child, index) => {
        if (index === 0) {
          child.render(188, 2);
          child.exit(1, `[http @ 0x1] request: GET /library/parts/7 X-Plex-Token: ${TOKEN} -> 401`);
          return;
        }
        // (The slate has just become the chain's current renderer when its process starts.)
        if (index === 1) slateReason = chain.nowRendering?.slate ? chain.nowRendering.reason : 'not the slate';
        child.render(188, 1);
        child.exit(0);
      },
      () => okCheck,
    );
    await chain.run();
    expect(spawner.children[0]!.args.join(' ')).toContain(TOKEN); // ffmpeg is given it (in a header) ...
    expect(logged()).toContain('X-Plex-Token: ***'); // ... the log says where it was ...
    expect(logged()).not.toContain(TOKEN); // ... and never what it is.
    expect(slateReason).toBe('plex-1: Pilot: request: GET /library/parts/7 X-Plex-Token: *** -> 401');
  });
});
