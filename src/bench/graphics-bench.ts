/**
 * Graphics cost: CPU of an airing renderer (the process that does all of a channel's
 * decoding, scaling and encoding) with station graphics against the same renderer without,
 * at each quality. Each variant renders the same 30 s of a noisy test clip as fast as it can
 * (`-benchmark` reports the process's user+system CPU); the median of a few runs is kept.
 *
 * Variants: bare; bug only (always on); bug + lower third + up next (the cards on screen for
 * 18 of the 30 s, far more than on air, where a 30-minute programme shows them for ~20 s).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveOutputProfile, type OutputProfile } from '../config/quality.js';
import { configSchema } from '../config/schema.js';
import { buildAiringRenderArgs } from '../ffmpeg/airing-command.js';
import { channelGrid } from '../hls/segment-grid.js';
import { FONTS } from '../ffmpeg/filter-text.js';
import { effectiveGraphics } from '../config/graphics-settings.js';
import { buildOverlayFilter } from '../graphics/filter-graph.js';
import { callSignBugArgs } from '../graphics/images.js';
import type { BenchResult } from './playout-bench.js';

const run = promisify(execFile);
const SECONDS = 30;

async function cpuSeconds(args: string[]): Promise<number> {
  const withBenchmark = ['-benchmark', ...args];
  // -benchmark prints at info level; the renderer's own level would hide it.
  withBenchmark[withBenchmark.indexOf('-loglevel') + 1] = 'info';
  const { stderr } = await run('ffmpeg', withBenchmark, { maxBuffer: 16 * 1024 * 1024 });
  const match = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(stderr);
  if (!match) throw new Error(`no -benchmark line in ffmpeg's output:\n${stderr}`);
  return Number(match[1]) + Number(match[2]);
}

function renderArgs(source: string, profile: OutputProfile, filter: string | undefined): string[] {
  const args = buildAiringRenderArgs({
    source: { path: source, startSeconds: 0, facts: { hasAudio: true, interlaced: false } },
    durationSeconds: SECONDS,
    clockSeconds: 10,
    runSeconds: 0,
    grid: channelGrid(10),
    profile,
    loudnessTarget: -23,
    ...(filter ? { graphics: { filter } } : {}),
  });
  // To /dev/null, no progress pipe: only the rendering is measured.
  const progress = args.indexOf('-progress');
  args.splice(progress, 2);
  args[args.length - 1] = '/dev/null';
  return ['-y', ...args];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function runGraphicsBench(options: { runs?: number; qualities?: Array<'low' | 'medium' | 'high'>; log?: (line: string) => void } = {}): Promise<BenchResult[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const runs = options.runs ?? 5;
  const work = mkdtempSync(path.join(tmpdir(), 'retrovue-graphics-bench-'));
  try {
    const source = path.join(work, 'source.mp4');
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${SECONDS},noise=alls=10:allf=t`,
      '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SECONDS}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', source,
    ]);
    const bug = path.join(work, 'bug.png');
    const settings = effectiveGraphics({}, {});
    await run('ffmpeg', callSignBugArgs('RTV1', settings.branding.accent, FONTS.bold, bug));
    const rows: BenchResult[] = [];
    for (const quality of options.qualities ?? ['low', 'medium', 'high']) {
      const profile = resolveOutputProfile(configSchema.parse({ streaming: { quality } }));
      const frame = { width: profile.width, height: profile.height, frameRate: profile.frameRate };
      const base = { frame, fadeSeconds: settings.fade_seconds, branding: settings.branding, fontFile: FONTS.bold };
      const bugLayer = { image: bug, corner: settings.bug.corner, marginPercent: settings.bug.margin_percent, sizePercent: settings.bug.size_percent, opacity: settings.bug.opacity, windows: 'always' as const };
      const variants: Array<[string, string | undefined]> = [
        ['bare', undefined],
        ['bug', buildOverlayFilter({ ...base, bug: bugLayer, cards: [] })],
        [
          'bug + lower third + up next',
          buildOverlayFilter({
            ...base,
            bug: bugLayer,
            cards: [
              { kind: 'lower_third', from: 2, to: 12, line1: 'Signal Hill', line2: 'S1 E2 · The Lighthouse Keeper' },
              { kind: 'up_next', from: 20, to: 28, line1: 'UP NEXT', line2: 'Harbour Lights · 8:30 PM' },
            ],
          }),
        ],
      ];
      // Interleaved (bare, bug, full, bare, ...): on a shared machine a load change then
      // touches every variant alike instead of one.
      const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));
      for (let i = 0; i < runs; i += 1) {
        for (const [name, filter] of variants) samples.get(name)!.push(await cpuSeconds(renderArgs(source, profile, filter)));
      }
      const cpu = new Map<string, number>();
      for (const [name, values] of samples) {
        cpu.set(name, median(values));
        log(`graphics bench ${quality} ${name}: ${values.map((v) => v.toFixed(2)).join(' ')} CPU s`);
      }
      const bare = cpu.get('bare')!;
      for (const [name] of variants) {
        const value = cpu.get(name)!;
        const perMinute = (value / SECONDS) * 60;
        rows.push({
          name: `${quality} ${profile.width}x${profile.height}: ${name}`,
          value: `${perMinute.toFixed(1)} CPU s/min`,
          note: name === 'bare' ? 'airing renderer, no graphics' : `${(((value - bare) / bare) * 100).toFixed(1)} % over bare`,
        });
      }
    }
    return rows;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
