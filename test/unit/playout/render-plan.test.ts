import { describe, expect, it } from 'vitest';
import type { CacheEntry } from '../../../src/cache/cache-store.js';
import type { SourceFacts } from '../../../src/ffmpeg/airing-command.js';
import { planRender, type AiringSlice, type RenderFacts, type SliceGraphics } from '../../../src/playout/render-plan.js';
import type { BurnInFacts } from '../../../src/playout/burn-in.js';
import type { SubtitleTrack } from '../../../src/subtitles/cue.js';
import type { Airing } from '../../../src/timeline/types.js';

/**
 * Golden plans (INV-PLAN-1): for each tricky case, the whole plan — kind, the stretch it covers,
 * and why — so a change to how an airing reaches the air is a visible diff here.
 */
const T0 = 1_800_000_000_000;
const s = (seconds: number) => T0 + seconds * 1000;
const FRAME_RATE = 25;

const episode: Airing = { startMs: s(0), endMs: s(60), mediaPath: '/media/show.mkv', inPointMs: 0, outPointMs: 60_000, kind: 'program', title: 'Signal Hill', mediaId: 7 };
/** A cached file with a keyframe every 2 s (the cache's interval), covering the whole slot. */
const cached = {
  key: 'k',
  file: '/cache/k.ts',
  originPts: 1.4,
  durationSeconds: 60.04,
  keyframes: Array.from({ length: 30 }, (_, i) => [i * 2, i * 188_000] as [number, number]),
} as unknown as CacheEntry;
const facts = { width: 320, height: 180 } as unknown as SourceFacts;
const playable = { ok: true as const, facts };
const bugOnly: SliceGraphics = { filter: '[bug]', staticBug: { key: 'bug-1' } };

function plan(slice: AiringSlice, rest: Partial<RenderFacts> = {}) {
  const result = planRender({ slice, frameRate: FRAME_RATE, ...rest });
  // The golden form: the stretch in seconds from T0, without the airing and the entry.
  const { slice: planned, ...fields } = result as typeof result & { entry?: unknown; source?: unknown };
  const { entry: _entry, source: _source, ...shown } = fields as Record<string, unknown>;
  return { ...shown, from: (planned.fromMs - T0) / 1000, to: (planned.toMs - T0) / 1000 };
}
/** The cache's facts for a slice; `entry` null: nothing cached for the picture the slice needs. */
const cacheWith = (graphics: SliceGraphics | undefined, entry: CacheEntry | null = cached, rampEndsAtMs = s(-100)) => ({ cache: { entry: entry ?? undefined, graphics, rampEndsAtMs } });

describe('render plan: how one slice of an airing reaches the air', () => {
  it('a cached airing joined on a keyframe after the ramp is copied from that keyframe', () => {
    expect(plan({ airing: episode, fromMs: s(10), toMs: s(60) }, cacheWith(undefined))).toEqual({ kind: 'copy', keyframeIndex: 5, why: 'cached', from: 10, to: 60 });
  });

  it('joined mid-card (a lower third over the first 10 s): live through the card up to the next cached keyframe, then (next slice) copied', () => {
    const lowerThird: SliceGraphics = { ...bugOnly, liveSpans: [{ fromMs: s(0), toMs: s(10) }] };
    const slice = { airing: episode, fromMs: s(5), toMs: s(60) };
    expect(plan(slice, cacheWith(lowerThird))).toEqual({ kind: 'probe', why: 'the file is checked before it airs', from: 5, to: 10 });
    expect(plan(slice, { ...cacheWith(lowerThird), source: playable })).toEqual({ kind: 'render', drawGraphics: true, why: 'a card is on screen', from: 5, to: 10 });
    expect(plan({ airing: episode, fromMs: s(10), toMs: s(60) }, cacheWith(lowerThird))).toEqual({ kind: 'copy', keyframeIndex: 5, why: 'cached', from: 10, to: 60 });
  });

  it('cached with an "up next" card at the end: copied up to the keyframe before the card', () => {
    const upNext: SliceGraphics = { ...bugOnly, liveSpans: [{ fromMs: s(51), toMs: s(60) }] };
    expect(plan({ airing: episode, fromMs: s(0), toMs: s(60) }, cacheWith(upNext))).toEqual({ kind: 'copy', keyframeIndex: 0, why: 'cached, up to the next card', from: 0, to: 50 });
  });

  it('an emergency alert over a cached airing is drawn, whatever the cache holds', () => {
    const alert: Airing = { ...episode, kind: 'alert', mediaPath: '', title: 'ALERT', alert: { id: 3, type: 'weather', message: 'Storm', priority: 1, issuedAtMs: s(0) } };
    expect(plan({ airing: alert, fromMs: s(20), toMs: s(40) }, cacheWith(undefined))).toEqual({ kind: 'card', alert: alert.alert, why: 'emergency alert 3', from: 20, to: 40 });
  });

  it('a missing file: checked, then the slate for its slot with the reason', () => {
    const slice = { airing: episode, fromMs: s(0), toMs: s(60) };
    expect(plan(slice)).toEqual({ kind: 'probe', why: 'the file is checked before it airs', from: 0, to: 60 });
    expect(plan(slice, { source: { ok: false, reason: 'No such file or directory' } })).toEqual({
      kind: 'slate',
      picture: 'drawn slate',
      reason: 'No such file or directory',
      why: 'the file cannot play (No such file or directory)',
      from: 0,
      to: 60,
    });
  });

  it('a ladder rung whose bug variant is not cached renders live (the other rungs may copy)', () => {
    expect(plan({ airing: episode, fromMs: s(0), toMs: s(60) }, { ...cacheWith(bugOnly, null), source: playable })).toEqual({
      kind: 'render',
      drawGraphics: true,
      why: "the channel's bug variant of the file is not cached",
      from: 0,
      to: 60,
    });
  });

  it('inside the cold-start ramp nothing is copied: live up to the first cached keyframe after it', () => {
    expect(plan({ airing: episode, fromMs: s(3), toMs: s(60) }, { ...cacheWith(undefined, cached, s(9)), source: playable })).toEqual({
      kind: 'render',
      drawGraphics: true,
      why: 'live up to the next cached keyframe',
      from: 3,
      to: 10,
    });
  });

  it('graphics that change over the whole slice keep it live; the timeline slate and a failed renderer are slates', () => {
    const animated: SliceGraphics = { filter: '[ticker]' };
    expect(plan({ airing: episode, fromMs: s(0), toMs: s(60) }, { ...cacheWith(animated), source: playable })).toMatchObject({ kind: 'render', why: expect.stringContaining('only a static bug'), to: 60 });
    const slateAiring: Airing = { ...episode, kind: 'slate', mediaPath: '' };
    expect(plan({ airing: slateAiring, fromMs: s(0), toMs: s(60) })).toEqual({ kind: 'slate', picture: 'drawn slate', text: 'Retrovue', why: 'the timeline airs a slate here', from: 0, to: 60 });
    expect(plan({ airing: episode, fromMs: s(30), toMs: s(60) }, { ...cacheWith(undefined), forcedSlate: { reason: 'exit 1', picture: 'plain slate' } })).toEqual({
      kind: 'slate',
      picture: 'plain slate',
      reason: 'exit 1',
      why: 'the rest of the slot after its renderer failed (exit 1)',
      from: 30,
      to: 60,
    });
  });

  it('INV-PLAN-2: no plan starts elsewhere than the slice asked or ends after it', () => {
    const spans = [[0, 10], [25, 31], [55, 70]] as const;
    for (let from = 0; from < 60; from += 1.5) {
      for (const [a, b] of spans) {
        const graphics: SliceGraphics = { ...bugOnly, liveSpans: [{ fromMs: s(a), toMs: s(b) }] };
        for (const rest of [cacheWith(graphics), { ...cacheWith(graphics), source: playable }, cacheWith(undefined, cached, s(from + 3))]) {
          const result = plan({ airing: episode, fromMs: s(from), toMs: s(60) }, rest);
          expect(result.from).toBe(from);
          expect(result.to).toBeGreaterThan(from);
          expect(result.to).toBeLessThanOrEqual(60);
        }
      }
    }
  });
});

describe('render plan: subtitles burned into the picture (issue 22)', () => {
  const base = { mediaFileId: 7, origin: 'embedded' as const, sidecarPath: null, title: null, default: false, problem: null, language: 'eng' };
  const srt: SubtitleTrack = { ...base, id: 1, streamIndex: 2, codec: 'subrip', forced: false, pictureOnly: false };
  const signs: SubtitleTrack = { ...base, id: 2, streamIndex: 3, codec: 'subrip', forced: true, pictureOnly: false };
  const pgs: SubtitleTrack = { ...base, id: 3, streamIndex: 4, codec: 'hdmv_pgs_subtitle', forced: false, pictureOnly: true };
  const cues = [{ startMs: 12_000, endMs: 15_500, text: 'Where were you?' }, { startMs: 40_000, endMs: 42_000, text: 'Out.' }];
  const subtitles = (mode: BurnInFacts['mode'], tracks: SubtitleTrack[], textCues = cues): { subtitles: BurnInFacts } => ({ subtitles: { mode, language: 'eng', tracks, textCues, textFilter: true } });
  const whole = { airing: episode, fromMs: s(0), toMs: s(60) };

  it('INV-PLAN-4: burn_in with a text track: a cached slice is rendered live, with its cues from the first frame', () => {
    expect(plan({ airing: episode, fromMs: s(10), toMs: s(60) }, { ...cacheWith(undefined), ...subtitles('burn_in', [srt, pgs]), source: playable })).toEqual({
      kind: 'render',
      drawGraphics: true,
      burnIn: {
        kind: 'text',
        language: 'eng',
        forced: false,
        trackId: 1,
        cues: [{ startMs: 2000, endMs: 5500, text: 'Where were you?' }, { startMs: 30_000, endMs: 32_000, text: 'Out.' }],
      },
      why: 'subtitles are burned in (eng, text track 1)',
      from: 10,
      to: 60,
    });
  });

  it('on with only a picture track: the picture stream is overlaid, live; with a text track in the language: copied, nothing burned', () => {
    expect(plan(whole, { ...cacheWith(bugOnly), ...subtitles('on', [pgs]), source: playable })).toEqual({
      kind: 'render',
      drawGraphics: true,
      burnIn: { kind: 'picture', language: 'eng', forced: false, trackId: 3, streamIndex: 4 },
      why: 'subtitles are burned in (eng, picture stream 4)',
      from: 0,
      to: 60,
    });
    expect(plan(whole, { ...cacheWith(undefined), ...subtitles('on', [srt, pgs]) })).toEqual({ kind: 'copy', keyframeIndex: 0, why: 'cached', from: 0, to: 60 });
  });

  it('forced: the forced track is burned; a slice with none of its cues is copied', () => {
    const signCues = [{ startMs: 5000, endMs: 7000, text: 'EXIT' }];
    expect(plan(whole, { ...cacheWith(undefined), ...subtitles('forced', [srt, signs], signCues), source: playable })).toEqual({
      kind: 'render',
      drawGraphics: true,
      burnIn: { kind: 'text', language: 'eng', forced: true, trackId: 2, cues: signCues },
      why: 'subtitles are burned in (eng forced, text track 2)',
      from: 0,
      to: 60,
    });
    expect(plan({ airing: episode, fromMs: s(10), toMs: s(60) }, { ...cacheWith(undefined), ...subtitles('forced', [srt, signs], signCues) })).toEqual({
      kind: 'copy',
      keyframeIndex: 5,
      why: 'cached',
      from: 10,
      to: 60,
    });
  });

  it('without a cache the burn-in is the reason too; breaks carry none; a renderer retried without it is copied again', () => {
    expect(plan(whole, { ...subtitles('burn_in', [pgs]), source: playable })).toMatchObject({ kind: 'render', why: 'subtitles are burned in (eng, picture stream 4)' });
    const commercial: Airing = { ...episode, kind: 'commercial', title: 'Soap' };
    expect(plan({ airing: commercial, fromMs: s(0), toMs: s(60) }, { ...subtitles('burn_in', [srt]), source: playable })).toEqual({ kind: 'render', drawGraphics: true, why: 'no media cache', from: 0, to: 60 });
    expect(plan({ airing: episode, fromMs: s(10), toMs: s(60) }, { ...cacheWith(undefined), ...subtitles('burn_in', [srt]), withoutBurnIn: true })).toEqual({
      kind: 'copy',
      keyframeIndex: 5,
      why: 'cached',
      from: 10,
      to: 60,
    });
    expect(plan(whole, { ...subtitles('burn_in', [srt]), withoutBurnIn: true, source: playable })).toEqual({ kind: 'render', drawGraphics: true, why: 'retried without burned-in subtitles', from: 0, to: 60 });
  });
});
