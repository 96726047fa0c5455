import { watchHlsJs, watchVlc, watchTs } from './dist/bench/watchers.js';
const [,, kind, url, seconds] = process.argv;
const fn = { hls: watchHlsJs, vlc: watchVlc, ts: watchTs }[kind];
const t0 = Date.now();
const result = await fn(url, Number(seconds ?? 60));
const { trace, log, ...rest } = result;
console.log(new Date(t0).toISOString(), kind, url, JSON.stringify(rest).slice(0, 400));
if (process.env.TRACE && trace) console.log(trace.join('\n'));
