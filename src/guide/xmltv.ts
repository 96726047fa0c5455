import { DateTime } from 'luxon';
import { create } from 'xmlbuilder2';
import { guideChannelId, type ChannelInfo } from '../channels/channel-info.js';
import { foldProgrammes } from '../schedule/compiled-timeline.js';
import { languageName } from '../subtitles/languages.js';
import type { Airing } from '../timeline/types.js';
import { programmeLanguages, type ChannelGuideLanguages } from './programme-languages.js';
import { guideRating } from './rating.js';

/** One channel's part of the guide: its identity and the published airings in the window. */
export interface GuideChannel {
  channel: ChannelInfo;
  airings: Airing[];
  /** Its programmes' languages (src/guide/programme-languages.ts); absent: none said. */
  languages?: ChannelGuideLanguages;
}

/** Every channel airs stereo AAC (src/config/quality.ts: `audioChannels: 2`), in each audio slot. */
const AUDIO_STEREO = 'stereo';

/** XMLTV time: "YYYYMMDDhhmmss +hhmm" in the channel's own zone, as viewers' guides show it. */
export function xmltvTime(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyyLLddHHmmss ZZZ');
}

/** xmltv_ns counts from zero: "season-1 . episode-1 . part"; unknown parts stay empty. */
export function xmltvNs(season?: number, episode?: number): string | undefined {
  if (season === undefined && episode === undefined) return undefined;
  const part = (n?: number) => (n === undefined ? '' : String(Math.max(0, n - 1)));
  return `${part(season)}.${part(episode)}.`;
}

export function onscreenEpisode(season?: number, episode?: number): string | undefined {
  if (season === undefined || episode === undefined) return undefined;
  return `S${String(season).padStart(2, '0')}E${String(episode).padStart(2, '0')}`;
}

/**
 * The XMLTV document: channels with display names and logos, then one programme per show
 * airing with its breaks folded in (a 30-minute slot reads as 30 minutes). Built from the
 * same published airings the channel plays, so the guide tells what really airs.
 *
 * Inside <programme> the elements follow the XMLTV DTD's order: title, sub-title, desc, date,
 * category, language, length, icon, episode-num, audio, subtitles, rating.
 */
export function buildXmltv(channels: GuideChannel[], baseUrl: string, window?: { fromMs: number; toMs: number }): string {
  // A title or name with characters XML 1.0 forbids (control characters from a file's tags, say)
  // would make the whole guide unreadable: they are dropped, the rest of the text kept.
  const doc = create({ version: '1.0', encoding: 'UTF-8', invalidCharReplacement: '' })
    .dtd({ sysID: 'xmltv.dtd' })
    .ele('tv', { 'generator-info-name': 'Retrovue', 'source-info-name': 'Retrovue' });
  for (const { channel } of channels) {
    const element = doc.ele('channel', { id: guideChannelId(channel.number) });
    // Plex matches guide channels to the tuner lineup by display name = GuideNumber / GuideName.
    element.ele('display-name').txt(channel.callSign);
    element.ele('display-name').txt(channel.name);
    element.ele('display-name').txt(String(channel.number));
    element.ele('icon', { src: `${baseUrl}/channel/${channel.number}/logo` });
  }
  for (const { channel, airings, languages: annotation } of channels) {
    for (const slot of foldProgrammes(airings)) {
      // Programmes are listed whole: one in progress at either edge of the window keeps its real start and stop.
      if (window && (slot.startMs >= window.toMs || slot.endMs <= window.fromMs)) continue;
      const p = slot.program;
      const programme = doc.ele('programme', {
        start: xmltvTime(slot.startMs, channel.timeZone),
        stop: xmltvTime(slot.endMs, channel.timeZone),
        channel: guideChannelId(channel.number),
      });
      programme.ele('title', { lang: 'en' }).txt(p.title);
      if (p.subtitle) programme.ele('sub-title', { lang: 'en' }).txt(p.subtitle);
      if (p.description) programme.ele('desc', { lang: 'en' }).txt(p.description);
      // The first air date when the metadata knows it (YYYYMMDD), else the year.
      const date = p.airDate ? p.airDate.replace(/-/g, '') : p.year ? String(p.year) : undefined;
      if (date) programme.ele('date').txt(date);
      // "Series" / "Movie" first, then the genres: XMLTV allows several categories.
      const categories = [p.category, ...(p.genres ?? [])].filter((c): c is string => !!c);
      for (const category of categories.filter((c, i) => categories.findIndex((o) => o.toLowerCase() === c.toLowerCase()) === i)) {
        programme.ele('category', { lang: 'en' }).txt(category);
      }
      const languages = programmeLanguages(slot.airings, annotation);
      // The DTD allows one <language>: the one a viewer hears by default (the first audio slot's, when
      // the file has it; else the track standing in). The other slots are a choice, like subtitles.
      if (languages?.audio) programme.ele('language', { lang: 'en' }).txt(languageName(languages.audio));
      programme.ele('length', { units: 'seconds' }).txt(String(Math.round((slot.endMs - slot.startMs) / 1000)));
      // The poster, served by this station (src/server/routes/poster-routes.ts), never a media server's own URL.
      if (p.posterMediaId !== undefined) programme.ele('icon', { src: `${baseUrl}/media/${p.posterMediaId}/poster` });
      const ns = xmltvNs(p.season, p.episode);
      if (ns) programme.ele('episode-num', { system: 'xmltv_ns' }).txt(ns);
      const onscreen = onscreenEpisode(p.season, p.episode);
      if (onscreen) programme.ele('episode-num', { system: 'onscreen' }).txt(onscreen);
      programme.ele('audio').ele('stereo').txt(AUDIO_STEREO);
      if (languages) {
        // One <subtitles> per language (the DTD allows one <language> in each): burned in first, then those a viewer can turn on.
        for (const code of languages.onscreen) programme.ele('subtitles', { type: 'onscreen' }).ele('language', { lang: 'en' }).txt(languageName(code));
        for (const code of languages.teletext) programme.ele('subtitles', { type: 'teletext' }).ele('language', { lang: 'en' }).txt(languageName(code));
      }
      if (p.rating) {
        const rating = guideRating(p.rating);
        programme.ele('rating', { system: rating.system }).ele('value').txt(rating.value);
      }
    }
  }
  return doc.end({ prettyPrint: true });
}
