import type { FastifyInstance } from 'fastify';
import type { ChannelDirectory } from '../../channels/channel-info.js';
import type { ChannelTimelines } from '../../channels/channel-timelines.js';
import type { RetrovueConfig } from '../../config/schema.js';
import type { Database } from '../../db/database.js';
import { GuideBuilder } from '../../guide/guide-builder.js';
import type { GuideChannel } from '../../guide/xmltv.js';
import { annotateChannels, type ProgrammeLanguageLookup } from '../../guide/programme-languages.js';
import { subtitleTracksOf } from '../../library/subtitles/tracks.js';
import { rankTracks } from '../../library/subtitles/choose.js';
import { normaliseLanguage } from '../../subtitles/languages.js';
import type { ChannelLanguages } from '../../config/languages.js';

export interface GuideRoutesContext {
  /** guide.history_hours and guide.days: the window the guide covers. */
  guide: RetrovueConfig['guide'];
  directory: Pick<ChannelDirectory, 'list'>;
  timelines: Pick<ChannelTimelines, 'whenCompiled' | 'guideAirings'>;
  /** Each channel's languages and each file's tracks: the guide's subtitles and language (absent: not said). */
  languages?: ProgrammeLanguageLookup;
}

/**
 * The guide's language facts from the library's tables: a file's subtitle tracks (as
 * SubtitleLibrary.tracksOf reads them) and its audio tracks' languages, and each channel's
 * resolved languages (ChannelOutputs.languagesOf).
 */
export function libraryLanguageLookup(db: Database, languagesOf: (channelNumber: number) => ChannelLanguages): ProgrammeLanguageLookup {
  return {
    languagesOf,
    subtitleTracksOf: (mediaId) => rankTracks(subtitleTracksOf(db, mediaId)),
    audioTracksOf: (mediaId) =>
      (db.prepare('SELECT language, title FROM media_audio_streams WHERE media_file_id = ? ORDER BY stream_index').all(mediaId) as Array<{ language: string | null; title: string | null }>).map(
        (row) => ({ language: row.language ? normaliseLanguage(row.language) : undefined, default: false, title: row.title ?? undefined }),
      ),
  };
}

/** How far beyond the guide window a programme that straddles its edge may reach (a long movie). */
const PROGRAMME_REACH_MS = 6 * 3600_000;

/**
 * How long a built guide is reused when nothing changed the station. `/xmltv.xml` is open to any
 * client and page (CORS), and building it for a few channels costs tens to hundreds of
 * milliseconds of the one event loop; so a burst of requests costs one build, not one each.
 */
const GUIDE_REUSE_MS = 30_000;

/** `/xmltv.xml`: the guide, from the same published airings the channels play. */
export function registerGuideRoutes(app: FastifyInstance, context: GuideRoutesContext): void {
  // Any successful write may change channels, schedules or chapters: the next guide is built afresh.
  let stationVersion = 0;
  // (onSend, not onResponse: counted before the client can read the answer and ask for the guide.)
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 400) stationVersion += 1;
    return payload;
  });
  let built: { version: number; baseUrl: string; atMs: number; document: string } | undefined;
  const builder = new GuideBuilder();
  app.addHook('onClose', async () => builder.close());

  app.get('/xmltv.xml', async (request, reply) => {
    const now = Date.now();
    const baseUrl = `${request.protocol}://${request.host}`;
    const version = stationVersion;
    if (!built || built.version !== version || built.baseUrl !== baseUrl || now - built.atMs > GUIDE_REUSE_MS) {
      built = { version, baseUrl, atMs: now, document: await buildGuide(context, builder, baseUrl, now) };
    }
    return reply.header('content-type', 'application/xml; charset=utf-8').header('cache-control', 'no-cache').send(built.document);
  });
}

async function buildGuide(context: GuideRoutesContext, builder: GuideBuilder, baseUrl: string, now: number): Promise<string> {
  const from = now - context.guide.history_hours * 3600_000;
  const to = now + context.guide.days * 24 * 3600_000;
  // Read past both edges so a programme straddling one is folded whole (breaks included).
  const [readFrom, readTo] = [from - PROGRAMME_REACH_MS, to + PROGRAMME_REACH_MS];
  const listed = context.directory.list();
  // Soon after a start or an edit the background compile may still be on its way to the horizon.
  await Promise.all(listed.map((channel) => context.timelines.whenCompiled(channel.number, readTo)));
  const channels: GuideChannel[] = listed.map((channel) => ({
    channel,
    airings: context.timelines.guideAirings(channel.number, readFrom, readTo),
  }));
  if (context.languages) {
    // Plain data for the worker: each distinct programme file looked up once, here (synchronous reads).
    const annotations = await annotateChannels(context.languages, channels.map(({ channel, airings }) => ({ number: channel.number, airings })));
    for (const entry of channels) {
      const languages = annotations.get(entry.channel.number);
      if (languages) entry.languages = languages;
    }
  }
  return builder.build(channels, baseUrl, { fromMs: from, toMs: to });
}
