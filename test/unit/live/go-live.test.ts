import { describe, expect, it } from 'vitest';
import { goLiveBody, GoLiveError, GoLiveService, LiveTakeTimeline, MAX_TAKE_MINUTES } from '../../../src/live/go-live.js';
import type { Airing, ChannelTimeline } from '../../../src/timeline/types.js';

/** A timeline of back-to-back 10-minute programmes from t = 0. */
function tenMinuteProgrammes(): ChannelTimeline {
  const airingAt = (tMs: number): Airing => {
    const startMs = Math.floor(tMs / 600_000) * 600_000;
    return { startMs, endMs: startMs + 600_000, mediaPath: `/media/${startMs / 600_000}.mp4`, inPointMs: 0, outPointMs: 600_000, kind: 'program', title: `Show ${startMs / 600_000}` };
  };
  return {
    at: (tMs) => ({ airing: airingAt(tMs), offsetMs: tMs - airingAt(tMs).startMs }),
    airingsBetween: (fromMs, toMs) => {
      const out: Airing[] = [];
      for (let t = airingAt(fromMs).startMs; t < toMs; t += 600_000) out.push(airingAt(t));
      return out;
    },
    endsAtMs: undefined,
  };
}

function station(nowMs: { value: number }) {
  const changed: number[][] = [];
  const service = new GoLiveService({
    sourceName: (id) => (id === 'studio' ? 'Studio A' : undefined),
    channelNumbers: () => [1, 2, 3],
    onAirChanged: (channels) => changed.push(channels),
    now: () => nowMs.value,
  });
  return { service, changed };
}

describe('go live now (issue 25)', () => {
  it('puts the source on the air at once, over the timeline, which goes on underneath and comes back at its own second', () => {
    const now = { value: 1_230_000 }; // 20.5 minutes in: Show 2 is on, 30 s in
    const { service, changed } = station(now);
    const timeline = new LiveTakeTimeline(tenMinuteProgrammes(), 1, service);
    const [take] = service.start(1, goLiveBody.parse({ source: 'studio', minutes: 5, title: 'Council meeting' }));
    expect(changed).toEqual([[1]]);
    const onAir = timeline.at(now.value + 1000)!;
    expect(onAir.airing).toMatchObject({ kind: 'live', live: { sourceId: 'studio' }, title: 'Council meeting', startMs: now.value, endMs: now.value + 300_000, mediaPath: '' });
    expect(onAir.offsetMs).toBe(1000);
    expect(take!.untilStopped).toBe(false);
    // Five minutes later the timeline is back where it would have been (Show 2, 5 min 30 s in).
    const after = timeline.at(now.value + 300_000)!;
    expect(after.airing.title).toBe('Show 2');
    expect(after.offsetMs).toBe(330_000);
    // The guide never shows the take.
    expect(timeline.airingsBetween(now.value, now.value + 60_000).map((a) => a.kind)).toEqual(['program']);
  });

  it('until stopped: runs until DELETE, then the channel is back on its timeline, told at once', () => {
    const now = { value: 5_000_000 };
    const { service, changed } = station(now);
    const timeline = new LiveTakeTimeline(tenMinuteProgrammes(), 2, service);
    const [take] = service.start(2, goLiveBody.parse({ source: 'studio' }));
    expect(take).toMatchObject({ untilStopped: true, title: 'Studio A', endMs: now.value + MAX_TAKE_MINUTES * 60_000 });
    now.value += 3_600_000;
    expect(timeline.at(now.value)!.airing.kind).toBe('live');
    const stopped = service.stop(2);
    expect(stopped?.endMs).toBe(now.value);
    expect(changed).toEqual([[2], [2]]);
    expect(timeline.at(now.value)!.airing.kind).toBe('program');
    expect(service.stop(2)).toBeUndefined();
  });

  it('several channels at once; another take replaces the one on the air; a take ends by itself', () => {
    const now = { value: 0 };
    const { service } = station(now);
    const [one, three] = [new LiveTakeTimeline(tenMinuteProgrammes(), 1, service), new LiveTakeTimeline(tenMinuteProgrammes(), 3, service)];
    expect(service.start(1, goLiveBody.parse({ source: 'studio', minutes: 1, channels: [3] })).map((t) => t.channel)).toEqual([1, 3]);
    expect(three.at(30_000)!.airing.kind).toBe('live');
    now.value = 30_000;
    service.start(1, goLiveBody.parse({ source: 'studio', minutes: 10, title: 'Second half' }));
    expect(one.at(40_000)!.airing).toMatchObject({ title: 'Second half', startMs: 30_000 });
    now.value = 60_000;
    expect(three.at(60_000)!.airing.kind).toBe('program');
    expect(service.onAir(3, 60_000)).toBeUndefined();
  });

  it('refuses an unknown source or channel, and bad bodies, changing nothing', () => {
    const now = { value: 0 };
    const { service, changed } = station(now);
    expect(() => service.start(1, goLiveBody.parse({ source: 'nope' }))).toThrow(GoLiveError);
    expect(() => service.start(9, goLiveBody.parse({ source: 'studio' }))).toThrow(/no channel 9/);
    expect(() => service.start(1, goLiveBody.parse({ source: 'studio', channels: [2, 7] }))).toThrow(/no channel 7/);
    expect(changed).toEqual([]);
    expect(service.onAir(1, 0)).toBeUndefined();
    for (const body of [{}, { source: '../etc' }, { source: 'studio', minutes: 0 }, { source: 'studio', minutes: MAX_TAKE_MINUTES + 1 }, { source: 'studio', title: 'x'.repeat(121) }, { source: 'studio', extra: 1 }]) {
      expect(goLiveBody.safeParse(body).success, JSON.stringify(body)).toBe(false);
    }
  });
});

describe('camera takes (issue 25, multi-camera)', () => {
  const blockStart = 600_000;
  const liveBlock: Airing = { startMs: blockStart, endMs: blockStart + 600_000, mediaPath: '', inPointMs: 0, outPointMs: 600_000, kind: 'live', title: 'Match', live: { sourceId: 'cam1' } };
  function withBlock(now: { value: number }) {
    const changed: number[][] = [];
    const base = tenMinuteProgrammes();
    const timeline: ChannelTimeline = { ...base, at: (t) => (t >= liveBlock.startMs && t < liveBlock.endMs ? { airing: liveBlock, offsetMs: t - liveBlock.startMs } : base.at(t)) };
    const service = new GoLiveService({
      sourceName: (id) => (['cam1', 'cam2', 'studio'].includes(id) ? id.toUpperCase() : undefined),
      channelNumbers: () => [1, 2],
      onAirChanged: (channels) => changed.push(channels),
      timelineAiringAt: (_channel, t) => timeline.at(t)?.airing,
      now: () => now.value,
    });
    return { service, changed, timeline: new LiveTakeTimeline(timeline, 1, service) };
  }

  it('cuts a scheduled live block to another camera until the block ends, and tells playout at once', () => {
    const now = { value: blockStart + 60_000 };
    const { service, changed, timeline } = withBlock(now);
    expect(timeline.at(now.value)!.airing.live).toEqual({ sourceId: 'cam1' });
    expect(service.takeCamera(1, 'cam2')).toMatchObject({ channel: 1, sourceId: 'cam2', title: 'Match' });
    expect(changed).toEqual([[1]]);
    const onAir = timeline.at(now.value + 1000)!;
    expect(onAir.airing).toMatchObject({ kind: 'live', title: 'Match', startMs: blockStart, live: { sourceId: 'cam2' } });
    expect(onAir.offsetMs).toBe(61_000);
    // After the block, the timeline's next airing; a later block would start on its own source.
    now.value = liveBlock.endMs;
    expect(timeline.at(now.value)!.airing.kind).toBe('program');
    expect(service.cameraOn(1, liveBlock)).toBeUndefined();
  });

  it('cuts a go-live take to another camera, keeping its title and end', () => {
    const now = { value: 100_000 };
    const { service, timeline } = withBlock(now);
    service.start(1, goLiveBody.parse({ source: 'studio', minutes: 2, title: 'Press conference' }));
    service.takeCamera(1, 'cam1');
    expect(timeline.at(now.value + 5000)!.airing).toMatchObject({ kind: 'live', title: 'Press conference', live: { sourceId: 'cam1' }, endMs: 220_000 });
  });

  it('an event that names its cameras takes only those (its source counts as one)', () => {
    const now = { value: 100_000 };
    const { service, timeline } = withBlock(now);
    service.start(1, goLiveBody.parse({ source: 'studio', cameras: ['cam1'] }));
    expect(() => service.takeCamera(1, 'cam2')).toThrow(/cam2 is not one of this event's cameras \(studio, cam1\)/);
    service.takeCamera(1, 'cam1');
    service.takeCamera(1, 'studio');
    expect(timeline.at(now.value)!.airing.live).toEqual({ sourceId: 'studio' });
    expect(() => service.start(1, goLiveBody.parse({ source: 'studio', cameras: ['cam9'] }))).toThrow(/no live source cam9/);
  });

  it('a scheduled block that names its cameras takes only those', () => {
    const now = { value: blockStart + 1000 };
    const service = new GoLiveService({
      sourceName: (id) => (['cam1', 'cam2', 'cam3'].includes(id) ? id : undefined),
      channelNumbers: () => [1],
      onAirChanged: () => undefined,
      timelineAiringAt: () => liveBlock,
      blockCameras: () => ['cam2'],
      now: () => now.value,
    });
    expect(() => service.takeCamera(1, 'cam3')).toThrow(/not one of this event's cameras \(cam1, cam2\)/);
    expect(service.takeCamera(1, 'cam2').sourceId).toBe('cam2');
    expect(service.takeCamera(1, 'cam1').sourceId).toBe('cam1');
  });

  it('refuses a camera that is no source, a channel that is not live, and an unknown channel', () => {
    const now = { value: 100_000 };
    const { service, changed } = withBlock(now);
    expect(() => service.takeCamera(1, 'cam9')).toThrow(/no live source cam9/);
    expect(() => service.takeCamera(1, 'cam2')).toThrow(/not airing a live event/);
    expect(() => service.takeCamera(7, 'cam2')).toThrow(/no channel 7/);
    expect(changed).toEqual([]);
  });
});
