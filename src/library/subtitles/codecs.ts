/**
 * Subtitle codecs by what they carry. Picture subtitles (Blu-ray PGS, DVD VobSub, DVB, XSUB)
 * are bitmaps: they can only be burned into the picture. Text subtitles have cues the library
 * can read (ffmpeg turns each into SubRip or keeps ASS as it is).
 */
const PICTURE_CODECS = new Set(['hdmv_pgs_subtitle', 'dvd_subtitle', 'dvb_subtitle', 'xsub', 'dvb_teletext']);
const TEXT_CODECS = new Set(['eia_608', 'subrip', 'srt', 'ass', 'ssa', 'webvtt', 'mov_text', 'text', 'microdvd', 'subviewer', 'subviewer1', 'sami', 'realtext', 'stl', 'pjs', 'mpl2', 'jacosub', 'vplayer']);
/** Codecs extracted as they are (ASS keeps its layout for the ASS reader); the others become SubRip. */
const ASS_CODECS = new Set(['ass', 'ssa']);

/** Bitmaps: burn-in only. DVB teletext is counted here too: ffmpeg decodes it to pictures by default. */
export function isPictureSubtitle(codec: string): boolean {
  return PICTURE_CODECS.has(codec);
}

/** Whether the library can read cues from a stream of this codec. */
export function isTextSubtitle(codec: string): boolean {
  return TEXT_CODECS.has(codec);
}

/** How an embedded text stream is extracted: as ASS (ass, ssa) or converted to SubRip. */
export function extractionFormat(codec: string): 'ass' | 'srt' {
  return ASS_CODECS.has(codec) ? 'ass' : 'srt';
}
