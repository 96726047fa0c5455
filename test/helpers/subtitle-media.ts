/** Subtitle material for tests: SubRip text, an ASS script, and a hand-made PGS stream. */

/** A SubRip file of the cues (from, to, text). */
export const srt = (...cues: Array<[string, string, string]>) => cues.map(([from, to, text], i) => `${i + 1}\n${from} --> ${to}\n${text}\n`).join('\n');

/**
 * A PGS (Blu-ray picture subtitle) elementary stream, written by hand since ffmpeg cannot encode
 * one: two display sets (a composition and its end), enough for ffmpeg to mux and ffprobe to name.
 */
export function pgsStream(): Buffer {
  const segment = (pts: number, type: number, data: Buffer) => {
    const head = Buffer.alloc(13);
    head.write('PG', 0, 'latin1');
    head.writeUInt32BE(pts, 2);
    head.writeUInt8(type, 10);
    head.writeUInt16BE(data.length, 11);
    return Buffer.concat([head, data]);
  };
  const composition = (number: number, state: number) => {
    const data = Buffer.alloc(11);
    data.writeUInt16BE(160, 0);
    data.writeUInt16BE(90, 2);
    data.writeUInt8(0x10, 4);
    data.writeUInt16BE(number, 5);
    data.writeUInt8(state, 7);
    return data;
  };
  return Buffer.concat([segment(90_000, 0x16, composition(0, 0x80)), segment(90_000, 0x80, Buffer.alloc(0)), segment(180_000, 0x16, composition(1, 0)), segment(180_000, 0x80, Buffer.alloc(0))]);
}

/** An ASS script: an override block, odd characters and a \\N line break. */
export const ASS_SCRIPT = `[Script Info]
ScriptType: v4.00+

[V4+ Styles]
Format: Name, Fontname, Fontsize
Style: Default,Arial,20

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.50,0:00:01.50,Default,,0,0,0,,{\\an8}看板: 50% {\\i1}off{\\i0}
Dialogue: 0,0:00:01.80,0:00:02.60,Default,,0,0,0,,Line one\\Nline two
`;

