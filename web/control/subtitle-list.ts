import { h } from './dom.js';
import type { SubtitleTrack } from './types.js';

/** One track in words: the language readable, where it comes from, its flags, and what is wrong with it. */
export function subtitleTrackFacts(track: SubtitleTrack): { language: string; source: string; flags: string[]; problem: string | null; warning: string | null } {
  const language = track.language === 'und' ? track.languageName : `${track.languageName} (${track.language})`;
  const file = track.sidecarPath?.split(/[\\/]/).pop() ?? '';
  const source = track.origin === 'sidecar' ? `file ${file} · ${track.codec}` : `stream ${track.index} · ${track.codec}`;
  const flags = [
    track.forced ? 'forced' : '',
    track.default ? 'default' : '',
    track.hearingImpaired ? 'SDH' : '',
    track.pictureOnly ? 'picture: burn-in only' : '',
  ].filter(Boolean);
  return { language, source, flags, problem: track.problem, warning: track.warning };
}

/**
 * A file's subtitle tracks, as the library found them (its own streams, then the files beside
 * it): picture tracks and tracks that cannot be used are marked, so a user sees why a channel
 * shows no subtitles for this file.
 */
export function subtitleList(tracks: SubtitleTrack[]): HTMLElement {
  if (tracks.length === 0) return h('p', { class: 'dim', id: 'subtitle-tracks' }, 'No subtitles: none in the file, and no .srt, .vtt, .ass or .ssa file of the same name beside it.');
  return h(
    'ul',
    { class: 'subtitle-tracks', id: 'subtitle-tracks' },
    ...tracks.map((track) => {
      const facts = subtitleTrackFacts(track);
      return h(
        'li',
        { 'data-subtitle': track.id, class: facts.problem ? 'unusable' : undefined },
        h('strong', {}, facts.language),
        track.title ? ` “${track.title}”` : '',
        ' ',
        h('span', { class: 'dim small' }, facts.source),
        ...facts.flags.map((flag) => h('span', { class: flag.startsWith('picture') ? 'badge bad' : 'badge' }, flag)),
        facts.problem ? h('div', { class: 'small' }, h('span', { class: 'badge bad' }, 'unusable'), ` ${facts.problem}`) : null,
        facts.warning ? h('div', { class: 'dim small' }, `Some cues dropped: ${facts.warning}`) : null,
      );
    }),
  );
}
