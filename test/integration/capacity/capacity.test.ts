import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClips } from '../../helpers/media.js';
import { startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

interface Overload { level: number; since: string | null; steps: Array<{ step: string; channel?: number }>; reasons: string[] }
interface Health { overload: Overload; channels: Array<{ number: number; state: string; degraded: string | null }> }
interface CapacityAnswer { cores: number; usableCores: number; committedCores: number; channels: Array<{ number: number; committed: boolean; estimateCores: number; airsAt: string | null; degraded: string | null }> }

async function media(work: string): Promise<string> {
  const dir = path.join(work, 'media');
  await makeClips(dir, [{ name: 'a.mp4', seconds: 4, size: '160x90', rate: 10 }, { name: 'b.mp4', seconds: 4, size: '160x90', rate: 10, toneHz: 880 }]);
  return dir;
}

const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;

describe('capacity: refused before it stalls (real server)', () => {
  let server: RunningServer;
  const url = (p: string) => `${server.baseUrl}${p}`;
  const patch = (n: number, body: unknown, query = '') => fetch(url(`/api/channels/${n}${query}`), { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    const work = tempDir('capacity');
    const base = testConfig({ media: [await media(work)], dataDir: path.join(work, 'data'), streaming: { mode: 'schedule', channels: 2 } });
    // Each channel here renders everything live at 320x180 (the "low" figure, 13.1 CPU s per
    // output minute: 0.23 cores); 0.3 usable cores carry one always-on channel, not two.
    const config = {
      ...base,
      cache: { enabled: false },
      capacity: { cores: 0.3, headroom: 1 },
      channels: [{ number: 1, name: 'One', always_on: true }, { number: 2, name: 'Two' }],
    };
    server = await startServer(config);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('answers what each channel costs and what is committed', async () => {
    const capacity = await json<CapacityAnswer>(await fetch(url('/api/capacity')));
    expect(capacity).toMatchObject({ cores: 0.3, usableCores: 0.3 });
    const [one, two] = capacity.channels;
    expect(one).toMatchObject({ number: 1, committed: true });
    expect(one!.estimateCores).toBeCloseTo(13.1 / 60 + 0.6 / 60, 2);
    expect(two).toMatchObject({ number: 2, committed: false });
    expect(capacity.committedCores).toBeCloseTo(one!.estimateCores, 2);
    const estimate = await json<{ refused: boolean; wouldNeedCores: number; message: string }>(await fetch(url('/api/capacity/estimate?channel=2&always_on=true')));
    expect(estimate.refused).toBe(true);
    expect(estimate.wouldNeedCores).toBeCloseTo(2 * one!.estimateCores, 2);
    expect((await fetch(url('/api/capacity/estimate?always_on=maybe'))).status).toBe(400);
  });

  it('refuses to make a second channel always on with 409 and the numbers, changes nothing, and force=true overrides', async () => {
    const refused = await patch(2, { always_on: true, name: 'Renamed' });
    expect(refused.status).toBe(409);
    const body = await json<{ error: string; message: string }>(refused);
    expect(body.error).toBe('over_capacity');
    expect(body.message).toMatch(/^making channel 2 always on: this would need 0\.4\d cores of 0\.3 usable \(0\.3 cores × capacity\.headroom 1\); 0\.2\d committed now, [\d.]+ in use/);
    // Nothing changed: not always on, not renamed.
    expect(await json(await fetch(url('/api/channels/2')))).toMatchObject({ alwaysOn: false, name: 'Two' });

    // A channel nobody watches costs nothing until tuned: creating one is not refused; an always-on one is.
    expect((await fetch(url('/api/channels'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ number: 7, name: 'Seven', always_on: true }) })).status).toBe(409);
    expect((await fetch(url('/api/channels/7'))).status).toBe(404);
    expect((await fetch(url('/api/channels'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ number: 8, name: 'Eight' }) })).status).toBe(201);

    expect((await patch(2, { always_on: true }, '?force=maybe')).status).toBe(400);
    const forced = await patch(2, { always_on: true }, '?force=true');
    expect(forced.status).toBe(200);
    expect(await json(await fetch(url('/api/channels/2')))).toMatchObject({ alwaysOn: true });
    // Turning load off is never refused.
    expect((await patch(2, { always_on: false })).status).toBe(200);
  });
});

describe('capacity: overload degrades in order and recovers (real server)', () => {
  let server: RunningServer;
  const url = (p: string) => `${server.baseUrl}${p}`;
  const health = async () => json<Health>(await fetch(url('/api/health')));

  beforeAll(async () => {
    const work = tempDir('overload');
    // 0.01 cores: any real renderer is over them, so the ladder is driven by genuine measurements;
    // the load falls when the channels are no longer always on and stop.
    const base = testConfig({ media: [await media(work)], dataDir: path.join(work, 'data'), streaming: { mode: 'loop', channels: 2, quality: 'medium', frame_rate: 10, idle_timeout: 1 }, ffmpeg: { resolution: undefined } });
    const config = {
      ...base,
      cache: { enabled: false },
      capacity: { cores: 0.01, overload_after: 2, recover_after: 2 },
      channels: [{ number: 1, name: 'One', always_on: true }, { number: 2, name: 'Two', always_on: true }],
    };
    server = await startServer(config);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('drops cards first, then a preset lower, then slates an always-on channel nobody watches; undoes them last-first when the load falls', async () => {
    const seen: string[] = [];
    const note = (h: Health) => {
      for (const s of h.overload.steps) {
        const name = s.channel ? `${s.step} ${s.channel}` : s.step;
        if (!seen.includes(name)) seen.push(name);
      }
    };
    const slated = await waitFor('a slated channel', async () => {
      const h = await health();
      note(h);
      return h.overload.steps.find((s) => s.step === 'slate');
    }, 90_000, 250);
    expect(seen.slice(0, 3)).toEqual(['graphics', 'lower-quality', `slate ${slated.channel}`]);
    const h = await health();
    expect(h.overload.level).toBeGreaterThanOrEqual(3);
    expect(h.overload.reasons.join(' ')).toMatch(/cores in use of 0\.01 usable/);
    const other = slated.channel === 1 ? 2 : 1;
    const statusOf = async (n: number) => json<{ degraded: string | null }>(await fetch(url(`/api/channels/${n}/status`)));
    expect((await statusOf(slated.channel!)).degraded).toBe('slate');
    // The other one airs a preset lower (medium 1280x720 → low 640x360), unless slated too by now.
    const capacity = await json<CapacityAnswer>(await fetch(url('/api/capacity')));
    const otherNow = capacity.channels.find((c) => c.number === other)!;
    expect(['lower-quality', 'slate']).toContain(otherNow.degraded);
    if (otherNow.degraded === 'lower-quality') expect(otherNow.airsAt).toBe('640x360');
    const monitor = await json<{ server: { warnings: string[] }; channels: Array<{ number: number; warnings: string[] }> }>(await fetch(url('/api/monitor')));
    expect(monitor.server.warnings.join(' ')).toMatch(/overloaded \(level \d/);
    expect(monitor.channels.find((c) => c.number === slated.channel)!.warnings).toContain('degraded by overload: slated (always on, nobody watching)');

    // The load falls: nobody needs these channels on, they stop, and every step is undone, last first.
    for (const n of [1, 2]) {
      const r = await fetch(url(`/api/channels/${n}`), { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ always_on: false }) });
      expect(r.status).toBe(200);
    }
    const undone: number[] = [];
    await waitFor('recovered', async () => {
      const now = await health();
      if (undone.at(-1) !== now.overload.level) undone.push(now.overload.level);
      return now.overload.level === 0 ? now : undefined;
    }, 90_000, 250);
    // Levels only fall from here, one step at a time (graphics is the last undone).
    expect([...undone].sort((a, b) => b - a)).toEqual(undone);
    const after = await health();
    expect(after.overload).toMatchObject({ level: 0, since: null, steps: [] });
    expect(after.channels.every((c) => c.degraded === null)).toBe(true);
    expect(server.logs.join('\n')).toMatch(/overload eased: undoing dropping graphics cards/);
  });
});
