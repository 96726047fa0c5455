import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Toolchain } from '../../../src/ffmpeg/toolchain.js';
import { channelGrid } from '../../../src/hls/segment-grid.js';
import { AiringChain, type AiringChainOptions } from '../../../src/playout/airing-chain.js';
import type { Cue, SubtitleCueSource, SubtitleTrack } from '../../../src/subtitles/cue.js';
import type { Airing, ChannelTimeline } from '../../../src/timeline/types.js';
import { fakeSpawner, type FakeChild } from '../../helpers/fake-child.js';

/**
 * AiringChain and burned-in subtitles, with a fake spawner and a fake library: the cue file each
 * text burn-in renderer is given (and removed after it), the picture stream overlaid, breaks left
 * alone, and a renderer that fails at once with burn-in retried without it. No ffmpeg runs here.
 */
const T0 = Date.UTC(2024, 5, 3, 18);
const profile = {
  width: 320, height: 180, frameRate: 30, videoCodec: 'libx264', videoBitrate: '300k', audioCodec: 'aac', audioBitrate: '96k',
  audioSampleRate: 48000 as const, audioChannels: 2 as const, preset: 'ultrafast',
};
const withLibass: Toolchain = { ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', version: 'fake', encoders: new Set(), hwaccels: [], filters: new Set(['subtitles', 'overlay']) };

function airing(startS: number, endS: number, title: string, kind: Airing['kind'] = 'program', inPointMs = 0): Airing {
  const startMs = T0 + startS * 1000;
  const endMs = T0 + endS * 1000;
  return { startMs, endMs, mediaPath: `/media/${title}.mkv`, inPointMs, outPointMs: inPointMs + endMs - startMs, kind, title, mediaId: 7 };
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

const track = (over: Partial<SubtitleTrack>): SubtitleTrack => ({
  id: 1, mediaFileId: 7, origin: 'sidecar', streamIndex: null, sidecarPath: '/media/a.en.srt', codec: 'subrip', language: 'eng', title: null, forced: false, default: false, pictureOnly: false, problem: null, ...over,
});

function library(tracks: SubtitleTrack[], cues: Cue[]): SubtitleCueSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    tracksOf: () => tracks,
    cuesFor: async (_id, language, options) => {
      asked.push(`${language}${options?.forced ? ' forced' : ''}`);
      return cues;
    },
  };
}

const filterOf = (child: FakeChild) => child.args[child.args.indexOf('-filter_complex') + 1]!;
const cueFileOf = (child: FakeChild) => /subtitles=filename=([^,[]+)/.exec(filterOf(child))?.[1];

let dir: string;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function runChain(airings: Airing[], burnIn: Omit<NonNullable<AiringChainOptions['burnIn']>, 'dir'>, behave: (child: FakeChild, index: number) => void) {
  dir = mkdtempSync(path.join(tmpdir(), 'burn-in-'));
  const spawner = fakeSpawner(behave);
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _e, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  );
  const chain = new AiringChain({
    timeline: timelineOf(airings),
    toolchain: withLibass,
    profile,
    grid: channelGrid(2),
    loudnessTarget: -23,
    runStartMs: airings[0]!.startMs,
    runClockSeconds: 100,
    sink: new PassThrough().resume(),
    log,
    spawnRenderer: spawner.spawn,
    checkSource: async () => ({ ok: true, facts: { hasAudio: true, interlaced: false } }),
    burnIn: { ...burnIn, dir: path.join(dir, 'burn-in') },
  });
  await chain.run();
  return { spawner, lines };
}

describe('AiringChain: burned-in subtitles', () => {
  it('writes the slice’s cues (from its in-point) to a cue file the renderer draws, removes it after, and leaves the break alone', async () => {
    const cues = [{ startMs: 61_000, endMs: 64_000, text: 'Where {were} you?' }];
    const lib = library([track({})], cues);
    const seen: string[] = [];
    const { spawner } = await runChain([airing(0, 10, 'a', 'program', 60_000), airing(10, 20, 'ad', 'commercial')], { mode: 'burn_in', language: 'eng', cues: lib }, (child) => {
      const file = cueFileOf(child);
      if (file) seen.push(readFileSync(file, 'utf8'));
      child.render(188, 1);
      child.exit(0);
    });
    expect(spawner.children).toHaveLength(2);
    const file = cueFileOf(spawner.children[0]!)!;
    expect(path.dirname(file)).toBe(path.join(dir, 'burn-in'));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain('PlayResY: 180');
    expect(seen[0]).toContain('Dialogue: 0,0:00:01.00,0:00:04.00,Default,,0,0,0,,Where \\{were\\} you?');
    expect(filterOf(spawner.children[0]!)).not.toContain('were');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(existsSync(file)).toBe(false);
    // The commercial has no subtitles drawn, and its tracks were not even asked for.
    expect(filterOf(spawner.children[1]!)).not.toContain('subtitles=');
    expect(lib.asked).toEqual(['eng']);
  });

  it('overlays a picture track, and retries without it when the renderer fails at once (never dead air for a subtitle)', async () => {
    const lib = library([track({ id: 5, origin: 'embedded', streamIndex: 3, sidecarPath: null, codec: 'hdmv_pgs_subtitle', pictureOnly: true })], []);
    const { spawner, lines } = await runChain([airing(0, 10, 'a')], { mode: 'on', language: 'eng', cues: lib }, (child, index) => {
      if (index === 0) child.exit(1, 'Error initializing complex filters.');
      else {
        child.render(188, 10);
        child.exit(0);
      }
    });
    expect(spawner.children.map((c) => filterOf(c).includes('[0:3][0:v:0]scale2ref'))).toEqual([true, false]);
    expect(spawner.children[1]!.args).toContain('/media/a.mkv');
    expect(lines.some((l) => l.msg === 'renderer with burned-in subtitles failed at once: playing the airing without them')).toBe(true);
    // `on` with a picture track only: the text cues are never read.
    expect(lib.asked).toEqual([]);
  });

  it('forced mode reads the forced cues; a library that throws means nothing is burned', async () => {
    const lib = library([track({ forced: true })], [{ startMs: 1000, endMs: 2000, text: 'EXIT' }]);
    const { spawner } = await runChain([airing(0, 10, 'a')], { mode: 'forced', language: 'eng', cues: lib }, (child) => {
      child.render(188, 10);
      child.exit(0);
    });
    expect(lib.asked).toEqual(['eng forced']);
    expect(filterOf(spawner.children[0]!)).toContain('subtitles=filename=');
    const broken: SubtitleCueSource = { tracksOf: () => { throw new Error('database is locked'); }, cuesFor: async () => undefined };
    const again = await runChain([airing(0, 10, 'a')], { mode: 'burn_in', language: 'eng', cues: broken }, (child) => {
      child.render(188, 10);
      child.exit(0);
    });
    expect(filterOf(again.spawner.children[0]!)).not.toContain('subtitles=');
  });
});
