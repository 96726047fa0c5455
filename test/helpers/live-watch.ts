import http from 'node:http';
import path from 'node:path';
import { frameColours, parsePlaylist, saveTo, wholeUnitsOnly } from './hls.js';
import { sleep } from './server.js';

/** What a `.ts` viewer read: the whole-packet bytes, whether the server ended it early, and when each chunk came. */
export interface TsRead {
  data: Buffer;
  endedEarly: boolean;
  /** Each chunk's arrival: the byte count up to its end, and when (a player on the burst stalls if a frame comes after its turn). */
  arrivals: Array<{ endByte: number; atMs: number }>;
}

/** One long read of a channel's `.ts` stream from now until `endAtMs`, as a viewer who stays tuned. */
export function readTsUntil(url: string, endAtMs: number): Promise<TsRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const arrivals: TsRead['arrivals'] = [];
    let received = 0;
    const request = http.get(url, (response) => {
      if (response.statusCode !== 200) reject(new Error(`${url} answered ${response.statusCode}`));
      let done = false;
      const finish = (endedEarly: boolean) => {
        if (done) return;
        done = true;
        resolve({ data: wholeUnitsOnly(Buffer.concat(chunks)), endedEarly, arrivals });
      };
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        arrivals.push({ endByte: received, atMs: Date.now() });
      });
      response.once('end', () => finish(true));
      response.once('close', () => finish(true));
      setTimeout(() => {
        finish(false);
        request.destroy();
      }, endAtMs - Date.now());
    });
    request.once('error', (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
    });
  });
}

export interface PolledSegment {
  pdtMs: number;
  data: Buffer;
  /** When the segment was first seen listed. */
  listedAtMs: number;
}

/**
 * A channel's HLS playlist polled every 250 ms, as a player does: every segment kept, fetched
 * once, with its PROGRAM-DATE-TIME and when it was first listed. `stop()` ends the polling.
 */
export function pollSegments(baseUrl: string, channel = 1): { segments: Map<string, PolledSegment>; stop(): Promise<void> } {
  const segments = new Map<string, PolledSegment>();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      try {
        for (const segment of parsePlaylist(await (await fetch(`${baseUrl}/channel/${channel}.m3u8`)).text()).segments) {
          if (segments.has(segment.uri) || segment.programDateTime === undefined) continue;
          const listedAtMs = Date.now();
          const data = Buffer.from(await (await fetch(`${baseUrl}/channel/${segment.uri}`)).arrayBuffer());
          segments.set(segment.uri, { pdtMs: segment.programDateTime, data, listedAtMs });
        }
      } catch {
        // A cold channel answers 503 for a moment: ask again.
      }
      await sleep(250);
    }
  })();
  return {
    segments,
    async stop() {
      polling = false;
      await poller;
    },
  };
}

/**
 * Every frame of the polled segments on the wall clock (its segment's PROGRAM-DATE-TIME plus its
 * offset in it), each labelled by `label` from its averaged colour. A break-in (an alert, a take,
 * a camera cut) starts a new run from now while the old run's segments already listed (a few
 * seconds ahead) stay listed: where runs overlap, the newer run is what the channel airs.
 */
export async function framesOnAir<Label>(
  segments: Map<string, PolledSegment>,
  dir: string,
  label: (rgb: readonly number[]) => Label,
): Promise<Array<{ wallMs: number; picture: Label; listedAtMs: number }>> {
  const runs: Array<{ run: number; startMs: number; frames: Array<{ wallMs: number; picture: Label; listedAtMs: number }> }> = [];
  for (const [uri, segment] of [...segments.entries()].sort((a, b) => a[1].pdtMs - b[1].pdtMs)) {
    const decoded = await frameColours(await saveTo(path.join(dir, uri.replace(/\//g, '_')), segment.data));
    if (decoded.length === 0) continue;
    const run = Number(/r(\d+)-/.exec(uri)?.[1] ?? 0);
    const offsetMs = segment.pdtMs - decoded[0]!.pts * 1000;
    let entry = runs.find((r) => r.run === run);
    if (!entry) runs.push((entry = { run, startMs: segment.pdtMs, frames: [] }));
    for (const frame of decoded) entry.frames.push({ wallMs: frame.pts * 1000 + offsetMs, picture: label(frame.rgb), listedAtMs: segment.listedAtMs });
  }
  return runs
    .flatMap(({ run, frames }) => frames.filter((f) => !runs.some((later) => later.run > run && later.startMs <= f.wallMs)))
    .sort((a, b) => a.wallMs - b.wallMs);
}
