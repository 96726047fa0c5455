import { describe, expect, it } from 'vitest';
import { effectiveGraphics } from '../../../src/config/graphics-settings.js';
import { buildCrawl } from '../../../src/graphics/emergency.js';
import { buildOverlayFilter } from '../../../src/graphics/filter-graph.js';
import { overlaySpecFor } from '../../../src/graphics/planner.js';
import { planGraphics, type Window } from '../../../src/graphics/windows.js';
import type { Airing, AiringKind } from '../../../src/timeline/types.js';

/**
 * Golden tests: the whole filter fragment for each scenario, so any change to what a renderer
 * draws shows up here as a diff to review. Fixed image and font paths keep them machine-independent.
 */

const T0 = Date.UTC(2026, 10, 26, 18, 0, 0);
const FRAME = { width: 640, height: 360, frameRate: 30 };
const BUG = '/data/graphics/bug.png';
const FONT = '/fonts/Bold.ttf';
const program = { id: 'p1', title: 'Signal Hill', subtitle: 'Pilot', season: 1, episode: 2, category: 'Series' };
const nextProgram = { id: 'p2', title: 'Night Court Classic', subtitle: 'Opening', season: 3, episode: 1, category: 'Series' };

function airing(kind: AiringKind, startS: number, lengthS: number, extra: Partial<Airing> = {}): Airing {
  return {
    startMs: T0 + startS * 1000,
    endMs: T0 + (startS + lengthS) * 1000,
    mediaPath: kind === 'program' ? '/media/signal-hill-s01e02.mkv' : `/media/${kind}.mp4`,
    inPointMs: 0,
    outPointMs: lengthS * 1000,
    kind,
    title: kind === 'program' ? 'Pilot' : 'Spot',
    program,
    ...extra,
  };
}

/** A 20-minute episode in two pieces with a break between, then the next show. */
const piece1 = airing('program', 0, 600);
const spot = airing('commercial', 600, 30);
const piece2 = airing('program', 630, 570, { inPointMs: 600_000, outPointMs: 1_170_000 });
const next = airing('program', 1200, 1800, { mediaPath: '/media/night-court.mkv', program: nextProgram, title: 'Opening' });
const all = [piece1, spot, piece2, next];

function filterFor(subject: Airing, slice: Window, override: unknown = {}): string | undefined {
  const settings = effectiveGraphics({}, override);
  const i = all.indexOf(subject);
  const plan = planGraphics({
    airing: subject,
    slice,
    previous: all.slice(0, i),
    following: all.slice(i + 1),
    settings,
    channel: { name: 'Retro One', callSign: 'RTV1', timeZone: 'America/New_York' },
  });
  return buildOverlayFilter(overlaySpecFor(plan, slice, settings, FRAME, BUG, FONT));
}

const whole = (a: Airing): Window => ({ fromMs: a.startMs, toMs: a.endMs });

describe('graphics filter graphs (golden)', () => {
  it('bug only: the middle of a programme has no card', () => {
    // Second piece of the episode with "up next" off: only the bug.
    expect(filterFor(piece2, whole(piece2), { up_next: { enabled: false } })).toMatchInlineSnapshot(`"[gin]setpts=PTS-STARTPTS[g0];movie=/data/graphics/bug.png,format=rgba,colorchannelmixer=aa=0.8,scale=70:-2,format=yuva420p,loop=loop=-1:size=1,setpts=N/(30*TB)[bug];[g0][bug]overlay=x=W-w-18:y=H-h-18:eval=init:shortest=1:repeatlast=0[g1];[g1]null[gout]"`);
  });

  it('bug hidden during a commercial (nothing drawn at all), shown when asked', () => {
    expect(filterFor(spot, whole(spot))).toBeUndefined();
    expect(filterFor(spot, whole(spot), { bug: { show_during: ['commercial'] } })).toMatchInlineSnapshot(`"[gin]setpts=PTS-STARTPTS[g0];movie=/data/graphics/bug.png,format=rgba,colorchannelmixer=aa=0.8,scale=70:-2,format=yuva420p,loop=loop=-1:size=1,setpts=N/(30*TB)[bug];[g0][bug]overlay=x=W-w-18:y=H-h-18:eval=init:shortest=1:repeatlast=0[g1];[g1]null[gout]"`);
  });

  it('lower third at the programme start', () => {
    expect(filterFor(piece1, whole(piece1))).toMatchInlineSnapshot(`"[gin]setpts=PTS-STARTPTS[g0];movie=/data/graphics/bug.png,format=rgba,colorchannelmixer=aa=0.8,scale=70:-2,format=yuva420p,loop=loop=-1:size=1,setpts=N/(30*TB)[bug];[g0][bug]overlay=x=W-w-18:y=H-h-18:eval=init:shortest=1:repeatlast=0[g1];color=c=0x14213d@0.88:s=230x52:r=30:d=1,format=yuva420p,trim=end_frame=1,drawbox=x=0:y=0:w=8:h=ih:color=0xfca311@1:t=fill,drawbox=x=0:y=ih-2:w=iw:h=ih:color=0xfca311@1:t=fill,loop=loop=-1:size=1,setpts=N/(30*TB),fade=t=in:st=5.000:d=0.500:alpha=1,fade=t=out:st=12.500:d=0.500:alpha=1[card0];[g1][card0]overlay=x=38:y=272:eval=init:shortest=1:repeatlast=0:enable='between(t,5.000,13.000)',drawtext=fontfile=/fonts/Bold.ttf:expansion=none:text=Signal Hill:x=52:y=278:fontsize=20:fontcolor=0xffffff:alpha=clip(min((t-5.000)/0.500\\,(13.000-t)/0.500)\\,0\\,1):enable=between(t\\,5.000\\,13.000),drawtext=fontfile=/fonts/Bold.ttf:expansion=none:text=S1 E2 · Pilot:x=52:y=304:fontsize=14:fontcolor=0xffffff:alpha=clip(min((t-5.000)/0.500\\,(13.000-t)/0.500)\\,0\\,1):enable=between(t\\,5.000\\,13.000)[g2];[g2]null[gout]"`);
  });

  it('joined mid-window: a renderer starting 7 s in draws the last 3 s of a 10-s lower third', () => {
    const override = { lower_third: { delay_seconds: 0, duration_seconds: 10 } };
    const joined = { fromMs: piece1.startMs + 7000, toMs: piece1.endMs };
    expect(filterFor(piece1, joined, override)).toMatchInlineSnapshot(`"[gin]setpts=PTS-STARTPTS[g0];movie=/data/graphics/bug.png,format=rgba,colorchannelmixer=aa=0.8,scale=70:-2,format=yuva420p,loop=loop=-1:size=1,setpts=N/(30*TB)[bug];[g0][bug]overlay=x=W-w-18:y=H-h-18:eval=init:shortest=1:repeatlast=0[g1];color=c=0x14213d@0.88:s=230x52:r=30:d=1,format=yuva420p,trim=end_frame=1,drawbox=x=0:y=0:w=8:h=ih:color=0xfca311@1:t=fill,drawbox=x=0:y=ih-2:w=iw:h=ih:color=0xfca311@1:t=fill,loop=loop=-1:size=1,setpts=N/(30*TB),fade=t=out:st=2.500:d=0.500:alpha=1[card0];[g1][card0]overlay=x=38:y=272:eval=init:shortest=1:repeatlast=0:enable='between(t,-7.000,3.000)',drawtext=fontfile=/fonts/Bold.ttf:expansion=none:text=Signal Hill:x=52:y=278:fontsize=20:fontcolor=0xffffff:alpha=clip(min((t+7.000)/0.500\\,(3.000-t)/0.500)\\,0\\,1):enable=between(t\\,-7.000\\,3.000),drawtext=fontfile=/fonts/Bold.ttf:expansion=none:text=S1 E2 · Pilot:x=52:y=304:fontsize=14:fontcolor=0xffffff:alpha=clip(min((t+7.000)/0.500\\,(3.000-t)/0.500)\\,0\\,1):enable=between(t\\,-7.000\\,3.000)[g2];[g2]null[gout]"`);
  });

  it('up next before the programme ends, naming the next show and its start in the channel zone', () => {
    expect(filterFor(piece2, whole(piece2))).toMatchInlineSnapshot(`"[gin]setpts=PTS-STARTPTS[g0];movie=/data/graphics/bug.png,format=rgba,colorchannelmixer=aa=0.8,scale=70:-2,format=yuva420p,loop=loop=-1:size=1,setpts=N/(30*TB)[bug];[g0][bug]overlay=x=W-w-18:y=H-h-18:eval=init:shortest=1:repeatlast=0[g1];color=c=0x14213d@0.88:s=278x52:r=30:d=1,format=yuva420p,trim=end_frame=1,drawbox=x=0:y=0:w=8:h=ih:color=0xfca311@1:t=fill,drawbox=x=0:y=ih-2:w=iw:h=ih:color=0xfca311@1:t=fill,loop=loop=-1:size=1,setpts=N/(30*TB),fade=t=in:st=540.000:d=0.500:alpha=1,fade=t=out:st=549.500:d=0.500:alpha=1[card0];[g1][card0]overlay=x=38:y=272:eval=init:shortest=1:repeatlast=0:enable='between(t,540.000,550.000)',drawtext=fontfile=/fonts/Bold.ttf:expansion=none:text=UP NEXT:x=52:y=278:fontsize=14:fontcolor=0xfca311:alpha=clip(min((t-540.000)/0.500\\,(550.000-t)/0.500)\\,0\\,1):enable=between(t\\,540.000\\,550.000),drawtext=fontfile=/fonts/Bold.ttf:expansion=none:text=Night Court Classic · 1\\\\:20 PM:x=52:y=298:fontsize=20:fontcolor=0xffffff:alpha=clip(min((t-540.000)/0.500\\,(550.000-t)/0.500)\\,0\\,1):enable=between(t\\,540.000\\,550.000)[g2];[g2]null[gout]"`);
  });

  it('crawl', () => {
    expect(
      buildCrawl({ frame: FRAME, fromSeconds: 2, toSeconds: 62, text: 'Tornado warning for Cedar County until 7:45 PM', label: 'WEATHER ALERT', fontFile: FONT }),
    ).toMatchInlineSnapshot(`"drawbox=x=0:y=306:w=iw:h=32:color=0x8b0000@0.92:t=fill:enable='between(t,2.000,62.000)',drawtext=fontfile=/fonts/Bold.ttf:expansion=none:text=Tornado warning for Cedar County until 7\\\\:45 PM:x=w-mod((t-2.000)*max(80\\,2*(w+tw)/60.000)\\,w+tw):y=306+(32-th)/2:fontsize=18:fontcolor=white:enable=between(t\\,2.000\\,62.000),drawbox=x=0:y=306:w=149:h=32:color=0xffd400@1:t=fill:enable='between(t,2.000,62.000)',drawtext=fontfile=/fonts/Bold.ttf:expansion=none:text=WEATHER ALERT:x=9:y=306+(32-th)/2:fontsize=14:fontcolor=black:enable=between(t\\,2.000\\,62.000)"`);
  });
});
