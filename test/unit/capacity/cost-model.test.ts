import { describe, expect, it } from 'vitest';
import { COPY_CPU_SECONDS_PER_MINUTE, MeasuredRates, defaultRate, runCores } from '../../../src/capacity/cost-model.js';
import type { OutputProfile } from '../../../src/config/quality.js';

const profile = (width: number, height: number): OutputProfile => ({
  width, height, frameRate: 30, videoCodec: 'libx264', videoBitrate: '800k', audioCodec: 'aac', audioBitrate: '96k', audioSampleRate: 48000, audioChannels: 2, preset: 'ultrafast',
});

describe('capacity cost model', () => {
  it('starts from the benchmark figures per preset and counts only the live share', () => {
    expect(defaultRate(profile(640, 360))).toBe(13.1);
    expect(defaultRate(profile(1280, 720))).toBe(32.6);
    expect(defaultRate(profile(1920, 1080))).toBe(62.1);
    expect(runCores(62.1, 1)).toBeCloseTo(62.1 / 60 + COPY_CPU_SECONDS_PER_MINUTE / 60);
    expect(runCores(62.1, 0)).toBeCloseTo(COPY_CPU_SECONDS_PER_MINUTE / 60);
    expect(runCores(60, 0.5)).toBeCloseTo(0.5 + 0.01);
  });

  it('replaces the default with the smoothed measured figure of that profile after a few samples', () => {
    const rates = new MeasuredRates(0.5);
    const low = profile(640, 360);
    for (let i = 0; i < 4; i++) rates.observe(low, 0.5 + 0.01, 1);
    expect(rates.rateOf(low)).toEqual({ cpuSecondsPerMinute: 13.1, measured: false });
    rates.observe(low, 0.51, 1);
    expect(rates.rateOf(low).measured).toBe(true);
    expect(rates.rateOf(low).cpuSecondsPerMinute).toBeCloseTo(30);
    // A mostly copied run says nothing about rendering; another profile keeps its default.
    rates.observe(low, 5, 0.1);
    expect(rates.rateOf(low).cpuSecondsPerMinute).toBeCloseTo(30);
    expect(rates.rateOf(profile(1920, 1080))).toEqual({ cpuSecondsPerMinute: 62.1, measured: false });
  });
});
