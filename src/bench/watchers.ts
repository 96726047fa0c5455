import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { isVideoStreamId, pesStart, TS_PACKET_SIZE } from '../streaming/mpegts.js';

/**
 * Real clients watching a channel the way viewers do, for the suite and `npm run bench`:
 * a plain HTTP reader of `/channel/N.ts` (gaps between chunks), hls.js in Debian's Chromium on
 * a page from another origin (stalls), and VLC as a non-root user (PCR complaints, buffering).
 */

export interface TsWatch {
  bytes: number;
  /** Largest wait between two chunks after the first, in ms. */
  largestGapMs: number;
  firstByteMs: number;
  /** Bytes that arrived in the first 300 ms (the initial burst). */
  burstBytes: number;
  data?: Buffer;
}

/** Reads a `.ts` URL for `seconds`, timing every chunk. Keeps the bytes when `keep` is set. */
export function watchTs(url: string, seconds: number, keep = false): Promise<TsWatch> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    let bytes = 0;
    let burstBytes = 0;
    let last = 0;
    let largestGapMs = 0;
    let firstByteMs = -1;
    const request = http.get(url, (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`${url} answered ${response.statusCode}`));
        request.destroy();
        return;
      }
      response.on('data', (chunk: Buffer) => {
        const now = Date.now();
        if (firstByteMs < 0) firstByteMs = now - started;
        else largestGapMs = Math.max(largestGapMs, now - last);
        if (now - started - firstByteMs <= 300) burstBytes += chunk.length;
        last = now;
        bytes += chunk.length;
        if (keep) chunks.push(chunk);
      });
      response.once('end', () => finish());
    });
    const finish = (): void => {
      clearTimeout(timer);
      resolve({ bytes, largestGapMs, firstByteMs, burstBytes, data: keep ? Buffer.concat(chunks) : undefined });
    };
    const timer = setTimeout(() => {
      request.destroy();
      finish();
    }, seconds * 1000);
    request.once('error', (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
    });
  });
}

/** A `.ts` viewer that records when each video frame's first packet arrived. */
export function tsRecorder(url: string): { stop(): Promise<{ data: Buffer; frameArrivals: number[] }> } {
  const chunks: Buffer[] = [];
  const frameArrivals: number[] = [];
  let carry = Buffer.alloc(0);
  const request = http.get(url, (response) => {
    response.on('data', (chunk: Buffer) => {
      const at = Date.now();
      chunks.push(chunk);
      const data = Buffer.concat([carry, chunk]);
      const whole = data.length - (data.length % TS_PACKET_SIZE);
      for (let offset = 0; offset < whole; offset += TS_PACKET_SIZE) {
        const pes = pesStart(data, offset);
        if (pes && isVideoStreamId(pes.streamId)) frameArrivals.push(at);
      }
      carry = data.subarray(whole);
    });
  });
  request.on('error', () => undefined);
  return {
    async stop() {
      request.destroy();
      return { data: Buffer.concat(chunks), frameArrivals };
    },
  };
}

/**
 * Debian's Chromium, never a downloaded one (the suite's browser tests use these too); the flags
 * keep it headless, quiet and offline, and let a muted video play without a click.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'];

export interface HlsJsWatch {
  /** ms from loading the page until the picture moved. */
  firstPlayMs: number;
  /** hls.js bufferStalledError events after playback started. */
  stalls: number;
  /** `waiting` events of the video element after playback started (rebuffers). */
  rebuffers: number;
  /** Seconds of picture played (currentTime moved this far since the first picture). */
  playedSeconds: number;
  errors: string[];
  /** What hls.js did, for reading a stall: playlist loads, fragments, stalls (ms since start). */
  trace: string[];
  /** Variants in the master playlist (0 for a media playlist). */
  levelCount: number;
  /** The level of each buffered fragment, in order, repeats collapsed (e.g. [0, 1, 0]). */
  levelsBuffered: number[];
  /** The picture's width as it changed, in order (a variant switch changes it). */
  widths: number[];
}

export interface HlsJsWatchOptions {
  /**
   * Forced variant switches (`hls.nextLevel`: the next fragment comes from that level, and ABR
   * stops choosing), each this many seconds after playback started.
   */
  levelSwitches?: Array<{ afterSeconds: number; level: number }>;
}

/**
 * A page on another origin (its own little HTTP server on another port) that plays `playlistUrl`
 * with hls.js for `seconds`; so CORS is exercised exactly as a smart-TV app or cast receiver would.
 */
export async function watchHlsJs(playlistUrl: string, seconds: number, options: HlsJsWatchOptions = {}): Promise<HlsJsWatch> {
  const { chromium } = await import('playwright-core');
  const hlsJs = readFileSync(createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js'));
  const page = `<!doctype html><video id="v" muted autoplay playsinline></video><script src="/hls.js"></script><script>
    const w = { stalls: 0, rebuffers: 0, errors: [], started: 0, startTime: 0, t0: performance.now(), trace: [], levelCount: 0, levelsBuffered: [], widths: [] };
    const switches = ${JSON.stringify(options.levelSwitches ?? [])};
    window.watch = w;
    const v = document.getElementById('v');
    const at = () => Math.round(performance.now() - w.t0);
    const buffered = () => v.buffered.length ? (v.buffered.end(v.buffered.length - 1) - v.currentTime).toFixed(2) : '0';
    const hls = new Hls(); // defaults, as the web page and most web players use them
    hls.on(Hls.Events.LEVEL_LOADED, (_e, d) => w.trace.push(at() + ' playlist ' + d.details.fragments.length + ' segments, ' + d.details.totalduration.toFixed(1) + ' s'));
    hls.on(Hls.Events.MANIFEST_PARSED, (_e, d) => { w.levelCount = d.levels.length; });
    hls.on(Hls.Events.FRAG_BUFFERED, (_e, d) => {
      w.trace.push(at() + ' buffered sn ' + d.frag.sn + ' level ' + d.frag.level + ' (' + d.frag.duration.toFixed(2) + ' s), ahead ' + buffered());
      if (w.levelsBuffered[w.levelsBuffered.length - 1] !== d.frag.level) w.levelsBuffered.push(d.frag.level);
    });
    v.addEventListener('resize', () => { if (w.widths[w.widths.length - 1] !== v.videoWidth) w.widths.push(v.videoWidth); });
    hls.on(Hls.Events.ERROR, (_e, d) => {
      if (d.details === 'bufferStalledError') { if (w.started) { w.stalls++; w.trace.push(at() + ' STALL at ' + v.currentTime.toFixed(2)); } }
      else if (d.fatal) w.errors.push(d.type + ':' + d.details);
      else w.trace.push(at() + ' ' + d.details);
    });
    v.addEventListener('waiting', () => { if (w.started) { w.rebuffers++; w.trace.push(at() + ' waiting at ' + v.currentTime.toFixed(2)); } });
    v.addEventListener('timeupdate', () => {
      if (w.started || v.currentTime <= 0) return;
      w.started = performance.now() - w.t0; w.startTime = v.currentTime; w.trace.push(at() + ' playing from ' + v.currentTime.toFixed(2));
      for (const s of switches) setTimeout(() => { w.trace.push(at() + ' switching to level ' + s.level); hls.nextLevel = s.level; }, s.afterSeconds * 1000);
    });
    hls.loadSource(${JSON.stringify(playlistUrl)});
    hls.attachMedia(v);
  </script>`;
  const origin = http.createServer((request, response) => {
    if (request.url === '/hls.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(hlsJs);
    else response.writeHead(200, { 'content-type': 'text/html' }).end(page);
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${(origin.address() as AddressInfo).port}/`);
    await tab.waitForTimeout(seconds * 1000);
    return await tab.evaluate(() => {
      const w = (window as unknown as { watch: { stalls: number; rebuffers: number; errors: string[]; started: number; startTime: number; trace: string[]; levelCount: number; levelsBuffered: number[]; widths: number[] } }).watch;
      const v = document.getElementById('v') as HTMLVideoElement;
      return {
        firstPlayMs: Math.round(w.started), stalls: w.stalls, rebuffers: w.rebuffers, playedSeconds: v.currentTime - w.startTime, errors: w.errors, trace: w.trace,
        levelCount: w.levelCount, levelsBuffered: w.levelsBuffered, widths: w.widths,
      };
    });
  } finally {
    await browser.close();
    origin.close();
  }
}

export interface VlcWatch {
  pcrTooLate: number;
  /** "Stream buffering done" lines: 1 means it buffered once, at the start. */
  bufferings: number;
  /** Seconds VLC ran. */
  ranSeconds: number;
  /** VLC stopped by itself before the time was up (the stream ended or failed). */
  endedEarly: boolean;
  log: string;
}

/** Whether VLC can run here (cvlc installed, and a non-root user to run it as when we are root). */
export function vlcAvailable(): boolean {
  return existsSync('/usr/bin/cvlc');
}

/**
 * `cvlc -vv` on `url` for `seconds` of wall time (as `nobody` when run as root: VLC refuses
 * root). Not `--run-time`: VLC counts that in stream time, which for HLS starts at the playlist's
 * first segment, so VLC would stop as soon as it had *read* that far ahead.
 */
export function watchVlc(url: string, seconds: number): Promise<VlcWatch> {
  const home = path.join(os.tmpdir(), 'retrovue-vlc-home');
  mkdirSync(home, { recursive: true, mode: 0o777 });
  const vlcArgs = ['-I', 'dummy', '--vout', 'dummy', '--aout', 'dummy', '--no-video-title-show', '-vv', url];
  const asRoot = process.getuid?.() === 0;
  const command = asRoot ? 'runuser' : 'cvlc';
  const args = asRoot ? ['-u', 'nobody', '--', 'cvlc', ...vlcArgs] : vlcArgs;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, { env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    let endedEarly = false;
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    // VLC as nobody is a grandchild under runuser: end the whole process group's VLC by name.
    const stop = setTimeout(() => spawn('pkill', ['-INT', '-u', asRoot ? 'nobody' : String(process.getuid?.()), '-x', 'vlc']), seconds * 1000);
    const killer = setTimeout(() => spawn('pkill', ['-KILL', '-u', asRoot ? 'nobody' : String(process.getuid?.()), '-x', 'vlc']), (seconds + 10) * 1000);
    child.once('error', reject);
    child.once('close', () => {
      endedEarly = Date.now() - started < seconds * 1000 - 500;
      clearTimeout(stop);
      clearTimeout(killer);
      resolve({
        pcrTooLate: (log.match(/PCR is called too late/g) ?? []).length,
        bufferings: (log.match(/Stream buffering done/g) ?? []).length,
        ranSeconds: (Date.now() - started) / 1000,
        endedEarly,
        log,
      });
    });
  });
}
