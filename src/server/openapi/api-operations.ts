import { z } from 'zod';
import { alertRequestSchema } from '../../alerts/alert.js';
import { graphicsOverrideSchema, graphicsSchema } from '../../config/graphics-settings.js';
import { scheduleSchema } from '../../schedule/model.js';
import * as s from './api-schemas.js';
import { addFolderBody } from '../../library/library-folders.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ApiOperation {
  method: HttpMethod;
  /** OpenAPI path template, e.g. `/api/channels/{n}`. */
  path: string;
  operationId: string;
  tag: 'Channels' | 'Schedules' | 'Graphics' | 'Guide' | 'Library' | 'Alerts' | 'Monitor';
  summary: string;
  description?: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: { schema: z.ZodType; contentType?: string[] };
  /** Success answers; the schema is what the body holds (absent: not JSON, e.g. an event stream). */
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  /** Error statuses this operation can answer, beyond 401/403 (writes) and 500. */
  errors?: number[];
}

/**
 * Every JSON route of the API, with the schemas it validates with and answers in: the OpenAPI
 * document (`/api/openapi.json`) is generated from this list and nothing else.
 * The stream, guide and tuner URLs (`/channel/…`, `/xmltv.xml`, HDHomeRun) are described in
 * the README; they are formats of their own, not JSON.
 */
/** What the graphics routes answer: the channel's override and the merged, effective settings. */
const graphicsResult = z.looseObject({ channel: z.number().int(), graphics: graphicsOverrideSchema, effective: graphicsSchema });

export function apiOperations(maxAlertSeconds: number): ApiOperation[] {
  return [
    // ---- channels
    { method: 'get', path: '/api/channels', operationId: 'listChannels', tag: 'Channels', summary: 'Channels by number, enabled or not; filtered and paged', query: s.channelListQuery, errors: [400], responses: { 200: { description: 'one page of channels and how many match', schema: s.channelListSchema } } },
    {
      method: 'post', path: '/api/channels', operationId: 'createChannel', tag: 'Channels', summary: 'Create a channel',
      body: { schema: s.channelCreateBody }, errors: [400, 409],
      responses: { 201: { description: 'the new channel', schema: s.channelSchema } },
    },
    { method: 'get', path: '/api/channels/{n}', operationId: 'getChannel', tag: 'Channels', summary: 'One channel', params: s.channelParams, errors: [404], responses: { 200: { description: 'the channel', schema: s.channelSchema } } },
    {
      method: 'patch', path: '/api/channels/{n}', operationId: 'updateChannel', tag: 'Channels', summary: 'Change a channel (name, call sign, quality, time zone, enabled, schedule…)',
      description: 'A change of time zone or schedule reschedules the future from the next unit boundary and says what changed in the guide.',
      params: s.channelParams, body: { schema: s.channelPatchBody }, errors: [400, 404],
      responses: { 200: { description: 'the channel and what changed in the guide', schema: s.channelPatchResult } },
    },
    { method: 'delete', path: '/api/channels/{n}', operationId: 'deleteChannel', tag: 'Channels', summary: 'Delete a channel', params: s.channelParams, errors: [404], responses: { 200: { description: 'which channel was deleted', schema: s.channelDeleteResult } } },
    {
      method: 'put', path: '/api/channels/{n}/logo', operationId: 'uploadLogo', tag: 'Channels', summary: 'Upload the channel logo (PNG, JPEG, GIF or WebP, at most 1 MiB, as the raw body)',
      params: s.channelParams, body: { schema: s.logoBodySchema, contentType: ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] }, errors: [400, 404, 413, 415],
      responses: { 200: { description: 'the channel, with its logo', schema: s.channelSchema } },
    },
    { method: 'delete', path: '/api/channels/{n}/logo', operationId: 'deleteLogo', tag: 'Channels', summary: 'Remove the uploaded logo (the call-sign card is shown again)', params: s.channelParams, errors: [404], responses: { 200: { description: 'the channel', schema: s.channelSchema } } },
    // ---- schedules
    { method: 'get', path: '/api/channels/{n}/schedule', operationId: 'getSchedule', tag: 'Schedules', summary: "A channel's weekly schedule (blocks)", params: s.channelParams, errors: [404], responses: { 200: { description: 'the schedule', schema: scheduleSchema } } },
    {
      method: 'put', path: '/api/channels/{n}/schedule', operationId: 'putSchedule', tag: 'Schedules', summary: "Replace a channel's schedule",
      description: 'Blocks may not overlap (the answer names the conflict). The future is recompiled from the next unit boundary; the answer lists the programmes removed and added.',
      params: s.channelParams, body: { schema: scheduleSchema }, errors: [400, 404],
      responses: { 200: { description: 'the stored schedule and what changed in the guide', schema: s.scheduleResult } },
    },
    // ---- guide
    { method: 'get', path: '/api/channels/{n}/now', operationId: 'nowNext', tag: 'Guide', summary: 'What airs now (or at `at`) and next', params: s.channelParams, query: s.nowQuery, errors: [400, 404], responses: { 200: { description: 'now and next', schema: s.nowSchema } } },
    { method: 'get', path: '/api/channels/{n}/timeline', operationId: 'timeline', tag: 'Guide', summary: 'The airings between two instants', params: s.channelParams, query: s.timelineQuery, errors: [400, 404], responses: { 200: { description: 'the airings', schema: s.timelineSchema } } },
    // ---- library
    { method: 'get', path: '/api/media', operationId: 'listMedia', tag: 'Library', summary: 'The library, filtered and paged', query: s.mediaListQuery, errors: [400], responses: { 200: { description: 'one page of files and how many match', schema: s.mediaListSchema } } },
    { method: 'get', path: '/api/media/{id}', operationId: 'getMedia', tag: 'Library', summary: 'One file: facts, streams, chapters', params: s.idParams, errors: [400, 404], responses: { 200: { description: 'the file', schema: s.mediaDetailSchema } } },
    { method: 'get', path: '/api/media/{id}/chapters', operationId: 'listChapters', tag: 'Library', summary: "A file's chapter markers (break points)", params: s.idParams, errors: [400, 404], responses: { 200: { description: 'the chapters', schema: s.chapterListSchema } } },
    {
      method: 'post', path: '/api/media/{id}/chapters', operationId: 'addChapter', tag: 'Library', summary: 'Add a chapter marker (kept across rescans)',
      description: 'Channels airing the file recompile from their next unit boundary, so their breaks are there from then on.',
      params: s.idParams, body: { schema: s.chapterCreateBody }, errors: [400, 404, 409],
      responses: { 201: { description: 'the new marker, and the channels rescheduled for it', schema: s.chapterEditResult } },
    },
    {
      method: 'patch', path: '/api/media/{id}/chapters/{chapterId}', operationId: 'updateChapter', tag: 'Library', summary: 'Move and/or rename a chapter marker; it keeps its id (kept across rescans)',
      description: 'Channels airing the file recompile from their next unit boundary, so their breaks move there. An imported marker becomes a user marker; its original instant stays suppressed on rescans.',
      params: s.chapterParams, body: { schema: s.chapterPatchBody }, errors: [400, 404, 409],
      responses: { 200: { description: 'the marker, moved, and the channels rescheduled for it', schema: s.chapterEditResult } },
    },
    {
      method: 'get', path: '/api/media/{id}/thumbnail', operationId: 'thumbnail', tag: 'Library', summary: 'A small JPEG (160 px wide) of the instant `at` of the file',
      description:
        'Pictures exist at the file\'s chapter marks and on a grid of whole seconds (coarser for files over 2 000 s, so a file has at most about 2 000): `at` is moved to the nearest. ' +
        'Made with ffmpeg on first request (two at a time, 16 more queued: a full queue answers 503 with Retry-After) and cached in the data folder, at most 128 per file and 4 096 in all, least recently used deleted first; answered with Cache-Control and an ETag.',
      params: s.idParams, query: s.thumbnailQuery, errors: [400, 404, 422, 503],
      responses: { 200: { description: 'the picture', contentType: 'image/jpeg' } },
    },
    { method: 'get', path: '/api/library/folders', operationId: 'listLibraryFolders', tag: 'Library', summary: "The library's media folders: the config file's and those added here", responses: { 200: { description: 'the folders', schema: s.libraryFolderListSchema } } },
    {
      method: 'post', path: '/api/library/folders', operationId: 'addLibraryFolder', tag: 'Library', summary: 'Add a media folder (an absolute path on the server); a rescan starts',
      body: { schema: addFolderBody }, errors: [400, 409],
      responses: { 201: { description: 'the folder and the rescan it started', schema: s.libraryFolderAdded } },
    },
    {
      method: 'delete', path: '/api/library/folders', operationId: 'removeLibraryFolder', tag: 'Library', summary: 'Take a folder added here out of the library (its files become missing and stop airing)',
      query: s.libraryFolderQuery, errors: [400, 404, 409],
      responses: { 200: { description: 'the folder removed and how many files went missing', schema: s.libraryFolderRemoved } },
    },
    { method: 'get', path: '/api/library/scan', operationId: 'scanStatus', tag: 'Library', summary: "The library rescan's progress, or the last one's summary", responses: { 200: { description: 'the scan', schema: s.scanStatusSchema } } },
    {
      method: 'post', path: '/api/library/scan', operationId: 'startScan', tag: 'Library', summary: 'Rescan the library folders (follow it with GET)',
      description: 'Unchanged files are not probed. New files air in schedules compiled after the scan, as after a restart.',
      errors: [409], responses: { 202: { description: 'the scan, started', schema: s.scanStatusSchema } },
    },
    { method: 'delete', path: '/api/media/{id}/chapters/{chapterId}', operationId: 'removeChapter', tag: 'Library', summary: 'Remove a chapter marker (an imported one stays removed after rescans)', params: s.chapterParams, errors: [400, 404], responses: { 200: { description: 'the removed marker, and the channels rescheduled for it', schema: s.chapterEditResult } } },
    // ---- graphics
    { method: 'get', path: '/api/channels/{n}/graphics', operationId: 'getGraphics', tag: 'Graphics', summary: "A channel's graphics override and the effective settings (defaults ← server-wide ← channel)", params: s.channelParams, errors: [404], responses: { 200: { description: 'the graphics', schema: graphicsResult } } },
    {
      method: 'put', path: '/api/channels/{n}/graphics', operationId: 'putGraphics', tag: 'Graphics', summary: "Replace a channel's graphics override (airs from the next airing)",
      params: s.channelParams, body: { schema: graphicsOverrideSchema }, errors: [400, 404],
      responses: { 200: { description: 'the graphics', schema: graphicsResult } },
    },
    {
      method: 'post', path: '/api/channels/{n}/graphics/preview', operationId: 'previewGraphics', tag: 'Graphics', summary: "One PNG frame of the channel's graphics as they would air, with unsaved settings",
      description: 'Draws the bug and one card with the same filter builder the renderers use, over a gradient at the channel\'s output size. Nothing is saved.',
      params: s.channelParams, body: { schema: s.graphicsPreviewBody }, errors: [400, 404],
      responses: { 200: { description: 'the frame', contentType: 'image/png' } },
    },
    // ---- alerts
    { method: 'get', path: '/api/alerts', operationId: 'listAlerts', tag: 'Alerts', summary: 'Alerts on the air and waiting, and one page of the history', query: s.alertListQuery, errors: [400], responses: { 200: { description: 'the alerts', schema: s.alertListSchema } } },
    {
      method: 'post', path: '/api/alerts', operationId: 'sendAlert', tag: 'Alerts', summary: 'Break into programming with an alert',
      description: 'A higher priority pre-empts a lower one on shared channels; the lower one waits.',
      body: { schema: alertRequestSchema(maxAlertSeconds) }, errors: [400, 429],
      responses: { 201: { description: 'the alert and where it is on the air', schema: s.alertSchema } },
    },
    { method: 'get', path: '/api/alerts/{id}', operationId: 'getAlert', tag: 'Alerts', summary: 'One alert', params: s.idParams, errors: [404], responses: { 200: { description: 'the alert', schema: s.alertSchema } } },
    { method: 'delete', path: '/api/alerts/{id}', operationId: 'cancelAlert', tag: 'Alerts', summary: 'End an alert early', params: s.idParams, errors: [404], responses: { 200: { description: 'the cancelled alert', schema: s.alertSchema } } },
    // ---- monitor
    { method: 'get', path: '/api/health', operationId: 'health', tag: 'Monitor', summary: 'ffmpeg, uptime and every channel\'s status', responses: { 200: { description: 'health', schema: s.healthSchema } } },
    { method: 'get', path: '/api/channels/{n}/status', operationId: 'channelStatus', tag: 'Monitor', summary: "A channel's state, viewers, on-air airing, encoder speed, CPU, memory, restarts, last error", params: s.channelParams, errors: [404], responses: { 200: { description: 'the status', schema: s.channelStatusSchema } } },
    { method: 'get', path: '/api/monitor', operationId: 'monitorSnapshot', tag: 'Monitor', summary: 'Server CPU and memory, every channel with warnings, the log tail', responses: { 200: { description: 'a snapshot', schema: s.monitorSnapshotSchema } } },
    {
      method: 'get', path: '/api/monitor/events', operationId: 'monitorEvents', tag: 'Monitor', summary: 'The monitor snapshot as Server-Sent Events, one `snapshot` event every 2 s',
      description: 'At most 32 streams at once (8 per client address): 503 beyond. A client that does not read is dropped.', errors: [503],
      responses: { 200: { description: 'an endless event stream; each event\'s data is a monitor snapshot (see monitorSnapshot)', contentType: 'text/event-stream' } },
    },
  ];
}
