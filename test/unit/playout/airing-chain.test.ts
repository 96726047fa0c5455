import { PassThrough, Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Toolchain } from '../../../src/ffmpeg/toolchain.js';
import { AiringChain } from '../../../src/playout/airing-chain.js';
import type { SourceCheck } from '../../../src/library/probe.js';
import type { Airing, ChannelTimeline } from '../../../src/timeline/types.js';
import { fakeSpawner, type FakeChild } from '../../helpers/fake-child.js';
import { channelGrid } from '../../../src/hls/segment-grid.js';

/**
 * AiringChain with a fake spawner and a fake source check: which renderers it starts, in what
 * order, and what it does when one fails. No ffmpeg runs here.
 */
const T0 = Date.UTC(2024, 5, 3, 18);
const profile = {
  width: 320, height: 180, frameRate: 30, videoCodec: 'libx264', videoBitrate: '300k', audioCodec: 'aac', audioBitrate: '96k',
  audioSampleRate: 48000 as const, audioChannels: 2 as const, preset: 'ultrafast',
};
const toolchain: Toolchain = { ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', version: 'fake', encoders: new Set(), hwaccels: [], filters: new Set() };

function airing(startS: number, endS: number, title: string, kind: Airing['kind'] = 'program'): Airing {
  const startMs = T0 + startS * 1000;
  const endMs = T0 + endS * 1000;
  return { startMs, endMs, mediaPath: kind === 'slate' ? '' : `/media/${title}.mp4`, inPointMs: 0, outPointMs: endMs - startMs, kind, title };
}

/** A finite timeline: the airings back to back, then off the air. */
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

function capturingLog() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

/** What a fake renderer was asked to draw, read from its arguments. */
function pictureOf(child: FakeChild): string {
  const inputs = child.args.filter((_, i) => child.args[i - 1] === '-i');
  if (!inputs[0]!.startsWith('color=')) return `source ${inputs[0]}`;
  return inputs[0]!.includes('drawtext=') ? 'drawn slate' : 'plain slate';
}

function chainFor(airings: Airing[], behave: (child: FakeChild, index: number) => void, check: (path: string) => SourceCheck | Promise<SourceCheck> = () => ({ ok: true, facts: { hasAudio: true, interlaced: false } })) {
  const spawner = fakeSpawner(behave);
  const sink = new PassThrough();
  let bytes = 0;
  sink.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const { log, lines } = capturingLog();
  const chain = new AiringChain({
    timeline: timelineOf(airings),
    toolchain,
    profile,
    grid: channelGrid(2),
    loudnessTarget: -23,
    runStartMs: airings[0]!.startMs,
    runClockSeconds: 100,
    sink,
    log,
    spawnRenderer: spawner.spawn,
    checkSource: async (_ffprobe, path) => check(path),
  });
  return { chain, spawner, lines, bytesOut: () => bytes };
}

const succeed = (child: FakeChild) => {
  child.render(188 * 10, 1);
  child.exit(0);
};

/** Lets pending setImmediate callbacks (the fake processes' events) and their promises run. */
async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

afterEach(() => {
  vi.useRealTimers();
});

describe('AiringChain (fake spawner)', () => {
  it('plays airing after airing, starting the next renderer while the current one plays, then ends the sink', async () => {
    const { chain, spawner, bytesOut } = chainFor([airing(0, 10, 'a'), airing(10, 20, 'b')], succeed);
    await chain.run();
    expect(spawner.children.map(pictureOf)).toEqual(['source /media/a.mp4', 'source /media/b.mp4']);
    expect(bytesOut()).toBe(2 * 188 * 10);
    expect(chain.slatesShown).toBe(0);
    expect(chain.lastError).toBeUndefined();
  });

  it('INV-AIR-1 INV-GRID-3: a renderer that dies mid-airing: a slate for exactly the rest of its slot, then the next airing on time', async () => {
    const { chain, spawner, lines } = chainFor([airing(0, 10, 'a'), airing(10, 20, 'b')], (child, index) => {
      if (index === 0) {
        child.render(188, 4); // 4 s in, then it crashes
        child.exit(1, 'Error while decoding stream #0:0');
      } else succeed(child);
    });
    await chain.run();
    // a, then b (started ahead while a played), then a's slate.
    expect(spawner.children.map(pictureOf)).toEqual(['source /media/a.mp4', 'source /media/b.mp4', 'drawn slate']);
    const slate = spawner.children[2]!;
    // The slate starts one frame after the last rendered one and ends exactly at the slot's end.
    const clockAt = (child: FakeChild) => Number(child.args[child.args.indexOf('-output_ts_offset') + 1]);
    // (its time zero is the grid point at 104 s, its first frame one frame later: setpts +1).
    expect(clockAt(slate)).toBeCloseTo(104, 6);
    expect(slate.args.join(' ')).toContain('trim=end_frame=179,setpts=PTS-STARTPTS+1'); // 10 s - 4 s - 1 frame = 179 frames
    expect(clockAt(spawner.children[1]!)).toBeCloseTo(110, 6);
    expect(chain.slatesShown).toBe(1);
    expect(lines.some((l) => l.msg === 'airing renderer failed: slate for the rest of the slot' && l.lastError === 'Error while decoding stream #0:0')).toBe(true);
  });

  it('a graphics change re-renders the next airing (started ahead) with the new settings, not the one after', async () => {
    let chain: AiringChain;
    let first: FakeChild | undefined;
    const setup = chainFor([airing(0, 10, 'a'), airing(10, 20, 'b')], (child, index) => {
      if (index === 0) {
        first = child;
        child.render(188 * 10, 1); // a plays; it has not finished yet
      } else if (index === 1) {
        chain.replanNext(); // b was started ahead with the old settings: the change arrives now
        setImmediate(() => first!.exit(0));
      } else succeed(child);
    });
    chain = setup.chain;
    await chain.run();
    expect(setup.spawner.children.map(pictureOf)).toEqual(['source /media/a.mp4', 'source /media/b.mp4', 'source /media/b.mp4']);
    expect(setup.spawner.children[1]!.signalCode).toBe('SIGKILL'); // the stale one never airs
    expect(setup.bytesOut()).toBe(2 * 188 * 10);
  });

  it('a timeline change after the next airing was read (the first run\'s join) airs the new next airing; an unchanged one is left alone', async () => {
    let chain: AiringChain;
    let first: FakeChild | undefined;
    const airings = [airing(0, 10, 'a'), airing(10, 20, 'b')];
    const setup = chainFor(airings, (child, index) => {
      if (index === 0) {
        first = child;
        child.render(188 * 10, 1); // a plays; it has not finished yet
      } else if (index === 1) {
        chain.timelineChanged(); // nothing changed yet: b's renderer stays
        // The join: from b's start on, a programme under way replaces b.
        airings[1] = { ...airing(10, 20, 'joined'), inPointMs: 60_000, outPointMs: 70_000 };
        chain.timelineChanged();
        setImmediate(() => first!.exit(0));
      } else succeed(child);
    });
    chain = setup.chain;
    await chain.run();
    expect(setup.spawner.children.map(pictureOf)).toEqual(['source /media/a.mp4', 'source /media/b.mp4', 'source /media/joined.mp4']);
    expect(setup.spawner.children[1]!.signalCode).toBe('SIGKILL'); // the stale b never airs
    expect(setup.bytesOut()).toBe(2 * 188 * 10);
  });

  it('a graphics change while the chain waits for the next renderer airs its replacement, not the killed one', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let bChecks = 0;
    const { chain, spawner, bytesOut } = chainFor(
      [airing(0, 10, 'a'), airing(10, 20, 'b')],
      (child, index) => {
        if (index !== 1) succeed(child); // index 1: b prepared with the old settings, never finishing on its own
      },
      async (path) => {
        // b's first preparation is slow (its check is held), so the chain is waiting for it when the change comes.
        if (path.endsWith('b.mp4') && bChecks++ === 0) await gate;
        return { ok: true, facts: { hasAudio: true, interlaced: false } };
      },
    );
    const running = chain.run();
    await new Promise((resolve) => setTimeout(resolve, 20));
    chain.replanNext();
    release();
    await running;
    expect(spawner.children.map(pictureOf)).toEqual(['source /media/a.mp4', 'source /media/b.mp4', 'source /media/b.mp4']);
    expect(spawner.children[1]!.signalCode).toBe('SIGKILL');
    // Not a failed airing: no slate, and b's fresh renderer's output aired.
    expect(chain.slatesShown).toBe(0);
    expect(bytesOut()).toBe(2 * 188 * 10);
  });

  it('hands an airing to the packager no earlier than leadSeconds before its start, so a change made before then reaches it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: T0 });
    // Renderers that finish at once (a copied still picture): only the lead holds the chain back.
    const { chain, spawner, bytesOut } = chainFor([airing(0, 10, 'a'), airing(10, 20, 'b'), airing(20, 30, 'c')], succeed);
    (chain as unknown as { options: { leadSeconds: number } }).options.leadSeconds = 4;
    const running = chain.run();
    // (vi.waitFor would advance the fake clock: let the fake processes' setImmediate events run instead.)
    await settle();
    expect(bytesOut()).toBe(188 * 10);
    await vi.advanceTimersByTimeAsync(5_900); // 4.1 s before b's start: b is prepared, not handed over
    expect(spawner.children.map(pictureOf)).toEqual(['source /media/a.mp4', 'source /media/b.mp4']);
    expect(bytesOut()).toBe(188 * 10);
    chain.replanNext(); // a graphics change now still reaches b
    await vi.advanceTimersByTimeAsync(200);
    await settle();
    expect(bytesOut()).toBe(2 * 188 * 10);
    // b re-prepared (had it been handed over, the re-prepared one would be c), then c.
    expect(spawner.children.map(pictureOf)).toEqual(['source /media/a.mp4', 'source /media/b.mp4', 'source /media/b.mp4', 'source /media/c.mp4']);
    await vi.advanceTimersByTimeAsync(10_000);
    await running;
    expect(bytesOut()).toBe(3 * 188 * 10);
  });

  it('INV-AIR-1: a renderer that hangs (no output while its slot runs) is killed after 10 s and the rest of the slot is a slate', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now: T0 });
    const { chain, spawner, lines } = chainFor([airing(0, 30, 'stuck'), airing(30, 40, 'b')], (child, index) => {
      if (index === 0) child.render(188, 0.5); // half a second, then nothing: hung
      else if (pictureOf(child) !== 'source /media/stuck.mp4') succeed(child);
    });
    const running = chain.run();
    await settle();
    await vi.advanceTimersByTimeAsync(9_000);
    expect(spawner.children[0]!.signalCode).toBeNull();
    await vi.advanceTimersByTimeAsync(3_000);
    await settle();
    expect(spawner.children[0]!.signalCode).toBe('SIGKILL');
    expect(lines.some((l) => l.msg === 'airing renderer stalled: killing it')).toBe(true);
    await vi.advanceTimersByTimeAsync(30_000);
    await running;
    // stuck, b (started ahead), then the slate for the rest of stuck's slot.
    expect(spawner.children.map(pictureOf)).toEqual(['source /media/stuck.mp4', 'source /media/b.mp4', 'drawn slate']);
    expect(chain.slatesShown).toBe(1);
  });

  it('a renderer blocked ahead of its slot (a full pipe) is not taken for hung', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now: T0 });
    let first: FakeChild | undefined;
    const { chain, spawner } = chainFor([airing(0, 30, 'a'), airing(30, 40, 'b')], (child, index) => {
      if (index === 0) {
        first = child;
        child.render(188, 25); // 25 s made at once, then it waits on its pipe
      } else succeed(child);
    });
    const running = chain.run();
    await settle();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(spawner.children[0]!.signalCode).toBeNull();
    first!.exit(0);
    await vi.advanceTimersByTimeAsync(20_000);
    await running;
    expect(chain.slatesShown).toBe(0);
  });

  it('INV-AIR-1: a file that cannot play shows the "technical difficulties" slate for its slot', async () => {
    const { chain, spawner } = chainFor([airing(0, 10, 'gone'), airing(10, 20, 'b')], succeed, (path) =>
      path.includes('gone') ? { ok: false, reason: 'No such file or directory' } : { ok: true, facts: { hasAudio: true, interlaced: false } },
    );
    await chain.run();
    expect(spawner.children.map(pictureOf)).toEqual(['drawn slate', 'source /media/b.mp4']);
    expect(spawner.children[0]!.args.join(' ')).toContain('technical difficulties');
    expect(chain.slatesShown).toBe(1);
  });

  it('INV-AIR-2: a drawn slate that fails at once falls back to the plain slate (no drawtext), once', async () => {
    const { chain, spawner } = chainFor([airing(0, 10, 'pad', 'slate'), airing(10, 20, 'b')], (child) => {
      if (pictureOf(child) === 'drawn slate') child.exit(1, "No such filter: 'drawtext'");
      else succeed(child);
    });
    await chain.run();
    expect(spawner.children.map(pictureOf)).toEqual(['drawn slate', 'source /media/b.mp4', 'plain slate']);
    const plain = spawner.children[2]!;
    expect(plain.args[plain.args.indexOf('-i') + 1]).toBe('color=c=black:s=320x180:r=30');
    expect(chain.lastError).toBeUndefined();
  });

  it('INV-AIR-2: a plain slate that fails too: gives up on the slot loudly and waits it out, instead of a renderer per frame', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: T0 });
    const { chain, spawner, lines } = chainFor([airing(0, 10, 'pad', 'slate'), airing(10, 20, 'b')], (child) => {
      if (pictureOf(child).endsWith('slate')) child.exit(1, 'ffmpeg is broken');
      else succeed(child);
    });
    let done = false;
    const running = chain.run().then(() => (done = true));
    await vi.waitFor(() => expect(chain.lastError).toBeDefined());
    expect(chain.lastError).toContain('ffmpeg is broken');
    expect(lines.some((l) => l.level === 50 && l.msg === 'slate renderer failed: giving up on the rest of the slot')).toBe(true);
    // Two tries for the slot (drawn, plain) and the next airing started ahead: nothing more.
    expect(spawner.children.map(pictureOf)).toEqual(['drawn slate', 'source /media/b.mp4', 'plain slate']);
    // The chain waits for the slot's end on the wall clock before the next airing plays.
    await vi.advanceTimersByTimeAsync(9_000);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    await running;
    expect(spawner.children).toHaveLength(3);
  });

  it('stop() ends a wait at once and kills the renderer started ahead', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: T0 });
    const { chain, spawner } = chainFor([airing(0, 10, 'pad', 'slate'), airing(10, 20, 'b')], (child) => {
      if (pictureOf(child).endsWith('slate')) child.exit(1, 'ffmpeg is broken');
      else child.render(188, 0.1); // b keeps running until killed
    });
    const running = chain.run();
    await vi.waitFor(() => expect(chain.lastError).toBeDefined());
    chain.stop();
    await running;
    await vi.waitFor(() => expect(spawner.children[1]!.signalCode).toBe('SIGKILL'));
  });
});
