import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildAiringRenderArgs, placeOnGrids, type AiringRenderSpec,
} from '../../../src/ffmpeg/airing-command.js';
import { channelGrid } from '../../../src/hls/segment-grid.js';
import { interpretSourceStreams } from '../../../src/library/probe.js';

const profile = {
  width: 320, height: 180, frameRate: 30, videoCodec: 'libx264', videoBitrate: '300k', audioCodec: 'aac', audioBitrate: '96k',
  audioSampleRate: 48000 as const, audioChannels: 2 as const, preset: 'ultrafast',
};
const grid = channelGrid(2);
const spec = (over: Partial<AiringRenderSpec> = {}): AiringRenderSpec => ({
  source: { path: '/media/show.mp4', startSeconds: 0, facts: { hasAudio: true, interlaced: false } },
  durationSeconds: 2.52, clockSeconds: 10.02, runSeconds: 0.02, grid, profile, loudnessTarget: -23, ...over,
});
const arg = (args: string[], flag: string) => args[args.indexOf(flag) + 1]!;

describe('placeOnGrids (frame and AAC grids of the channel clock)', () => {
  it('INV-GRID-1 INV-GRID-2: puts an airing that starts off the grid on the next frame and the next AAC frame', () => {
    const p = placeOnGrids(10.02, 2.52, 30, 48000);
    expect(p.baseSeconds).toBeCloseTo(10, 9);
    expect(p.videoLeadFrames).toBe(1); // first frame at 10.0333
    expect(p.frames).toBe(76); // grid points 301..376
    expect(p.audioStartSamples).toBe(1280); // 470 * 1024 - 480000
    expect(p.audioContentShiftSamples).toBe(1600 - 1280); // sound starts with the first picture
    expect(p.audioSamples).toBe((Math.ceil((12.54 * 48000) / 1024) - 470) * 1024 - 1024);
  });

  it('INV-GRID-1 INV-GRID-2: tiles consecutive airings exactly: frames and AAC packets, no gap, no overlap, for any slots', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 86_000_000 }), fc.array(fc.integer({ min: 100, max: 600_000 }), { minLength: 2, maxLength: 20 }), (startMs, lengths) => {
        let clockMs = startMs;
        let nextFrame: number | undefined;
        let nextPacket: number | undefined;
        for (const ms of lengths) {
          const p = placeOnGrids(clockMs / 1000, ms / 1000, 30, 48000);
          const firstFrame = Math.round(p.baseSeconds * 30) + p.videoLeadFrames;
          const baseSamples = Math.round(p.baseSeconds * 48000);
          const firstPacket = baseSamples + p.audioStartSamples - 1024; // the priming packet
          if (nextFrame !== undefined) expect(firstFrame).toBe(nextFrame);
          if (nextPacket !== undefined) expect(firstPacket).toBe(nextPacket);
          // The first frame is on or at most one frame after the airing's start, never before.
          expect(firstFrame / 30).toBeGreaterThanOrEqual(clockMs / 1000 - 1e-9);
          expect(firstFrame / 30 - clockMs / 1000).toBeLessThan(1 / 30);
          // Encoder output: (samples / 1024 + 1) packets from the priming packet on.
          expect(p.audioSamples % 1024).toBe(0);
          nextFrame = firstFrame + p.frames;
          nextPacket = firstPacket + p.audioSamples + 1024;
          clockMs += ms;
        }
      }),
    );
  });
});

describe('buildAiringRenderArgs', () => {
  it('renders a source from its offset onto the grid, normalised, timestamps on the channel clock', () => {
    const args = buildAiringRenderArgs(spec({ source: { path: '/media/show.mp4', startSeconds: 12.5, facts: { hasAudio: true, interlaced: true } } }));
    expect(arg(args, '-ss')).toBe('12.500');
    expect(arg(args, '-i')).toBe('/media/show.mp4');
    const graph = arg(args, '-filter_complex');
    expect(graph).toContain('bwdif=');
    expect(graph).toContain('scale=320:180:force_original_aspect_ratio=decrease,pad=320:180');
    expect(graph).toContain('fps=30');
    expect(graph).toContain('trim=end_frame=76,setpts=PTS-STARTPTS+1[v]');
    expect(graph).toContain('loudnorm=I=-23');
    expect(graph).toContain('adelay=delays=320S:all=1');
    expect(graph).toContain('asetpts=PTS-STARTPTS+1280[a]');
    expect(arg(args, '-output_ts_offset')).toBe('10.000000');
    expect(arg(args, '-bf')).toBe('0');
    expect(args).toContain('+initial_discontinuity');
    expect(args.slice(-3)).toEqual(['-f', 'mpegts', 'pipe:1']);
  });

  it('gives a silent source a silent stereo track, and leaves progressive video alone', () => {
    const args = buildAiringRenderArgs(spec({ source: { path: '/m/silent.mp4', startSeconds: 0, facts: { hasAudio: false, interlaced: false } }, loudnessTarget: null }));
    expect(args).not.toContain('-ss');
    expect(args.filter((a) => a === '-i')).toHaveLength(2);
    expect(args).toContain('anullsrc=r=48000:cl=stereo');
    const graph = arg(args, '-filter_complex');
    expect(graph).toContain('[1:a]anull');
    expect(graph).not.toContain('bwdif');
    expect(graph).not.toContain('[0:a');
    expect(graph).not.toContain('loudnorm');
  });

  it('draws a slate (the 0x1d3557 card) when there is no source, for exactly the slot', () => {
    const args = buildAiringRenderArgs(spec({ source: undefined, slateText: "Can't play: it's gone", clockSeconds: 30, runSeconds: 20, durationSeconds: 3 }));
    const lavfi = args.filter((_, i) => args[i - 1] === '-i');
    expect(lavfi[0]).toMatch(/^color=c=0x1d3557:s=320x180:r=30,drawtext=/);
    expect(lavfi[0]).toContain('Please stand by');
    expect(lavfi[1]).toBe('anullsrc=r=48000:cl=stereo');
    expect(arg(args, '-filter_complex')).toContain('trim=end_frame=90,setpts=PTS-STARTPTS[v]');
    expect(arg(args, '-output_ts_offset')).toBe('30.000000');
  });
});

describe('interpretSourceStreams', () => {
  it('needs a real picture (cover art is not one), notes sound and field order', () => {
    expect(interpretSourceStreams({ streams: [{ codec_type: 'audio' }] })).toEqual({ ok: false, reason: 'no video stream' });
    expect(interpretSourceStreams({ streams: [{ codec_type: 'video', disposition: { attached_pic: 1 } }, { codec_type: 'audio' }] }).ok).toBe(false);
    expect(interpretSourceStreams({ streams: [{ codec_type: 'video', field_order: 'tt' }] })).toEqual({ ok: true, facts: { hasAudio: false, interlaced: true, audioTracks: [] } });
    expect(interpretSourceStreams({ streams: [{ codec_type: 'video', field_order: 'progressive' }, { codec_type: 'audio' }] })).toEqual({ ok: true, facts: { hasAudio: true, interlaced: false, audioTracks: [{ default: false }] } });
  });

  it('lists every audio track with its language ("und" is none), title and default flag', () => {
    const streams = [
      { codec_type: 'video' },
      { codec_type: 'audio', tags: { language: 'jpn' }, disposition: { default: 1 } },
      { codec_type: 'audio', tags: { LANGUAGE: 'eng', title: 'Commentary' }, disposition: { default: 0 } },
      { codec_type: 'audio', tags: { language: 'und' } },
    ];
    const check = interpretSourceStreams({ streams });
    expect(check.ok && check.facts.audioTracks).toEqual([{ default: true, language: 'jpn' }, { default: false, language: 'eng', title: 'Commentary' }, { default: false }]);
  });
});

describe('the slate wears the channel\'s branding', () => {
  it('draws the branded slate in the channel\'s colours and font, the built-in look without branding', () => {
    const slate = (over: Partial<AiringRenderSpec>) => arg(buildAiringRenderArgs(spec({ source: undefined, ...over })), '-i');
    const branded = slate({ slateStyle: { background: '0x222222', accent: '0xff8800', text: '0xeeeeee', fontFile: '/fonts/Station.ttf' } });
    expect(branded).toMatch(/^color=c=0x222222:/);
    expect(branded).toContain('drawbox=');
    expect(branded).toContain('color=0xff8800@1');
    expect(branded).toContain('fontfile=/fonts/Station.ttf');
    expect(branded).toContain('fontcolor=0xeeeeee');
    expect(slate({})).toMatch(/^color=c=0x1d3557:/);
    // The plain fallback stays filter-free whatever the branding.
    expect(slate({ plainSlate: true, slateStyle: { background: '0x222222', accent: '0xff8800', text: '0xeeeeee' } })).toMatch(/^color=c=black:s=320x180:r=30$/);
  });
});

describe('buildAiringRenderArgs: subtitles burned into the picture', () => {
  it('text: libass draws the cue file on the normalised picture, its path escaped for the graph (the cue text is never in it)', () => {
    const file = "/data/channels/1/burn-in/a'b:c,[d];e.ass";
    const graph = arg(buildAiringRenderArgs(spec({ burnIn: { kind: 'text', file } })), '-filter_complex');
    expect(graph.startsWith('[0:v:0]scale=320:180:force_original_aspect_ratio=decrease,pad=320:180:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,fps=30,format=yuv420p,subtitles=filename=')).toBe(true);
    expect(graph).toContain("subtitles=filename=/data/channels/1/burn-in/a\\\\\\'b\\\\:c\\,\\[d\\]\\;e.ass,tpad=");
  });

  it('text with graphics: the subtitles are drawn before the graphics fragment reads the picture', () => {
    const graph = arg(buildAiringRenderArgs(spec({ burnIn: { kind: 'text', file: '/w/c.ass' }, graphics: { filter: '[gin]null[gout]' } })), '-filter_complex');
    expect(graph).toContain('format=yuv420p,subtitles=filename=/w/c.ass[gin];[gin]null[gout];[gout]tpad=');
  });

  it('picture: the subtitle stream is scaled to the source picture, overlaid, then normalised with it', () => {
    const graph = arg(buildAiringRenderArgs(spec({ burnIn: { kind: 'picture', streamIndex: 3 } })), '-filter_complex');
    expect(graph.split(';').slice(0, 2)).toEqual([
      '[0:3][0:v:0]scale2ref=w=main_w:h=main_h[bsub][bvid]',
      '[bvid][bsub]overlay=eof_action=pass:repeatlast=0,scale=320:180:force_original_aspect_ratio=decrease,pad=320:180:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,fps=30,format=yuv420p,tpad=stop=-1:stop_mode=clone,trim=end_frame=76,setpts=PTS-STARTPTS+1[v]',
    ]);
  });

  it('a slate or a card never burns anything', () => {
    const graph = arg(buildAiringRenderArgs(spec({ source: undefined, slateText: 'x', burnIn: { kind: 'picture', streamIndex: 3 } })), '-filter_complex');
    expect(graph).not.toContain('overlay');
  });
});
