/**
 * The media-server client for a connection: Plex, Jellyfin or Emby, each bounded in time, bytes
 * and pages (see bounded-http.ts and paging.ts). The sync, the API's connection check and the
 * playback input all get their client here.
 */
import { SourceError, type MediaServerClient, type SourceConnection } from '../media-server.js';
import { createJellyfinClient } from './jellyfin.js';
import type { ClientOptions } from './options.js';
import { createPlexClient } from './plex.js';

export type { ClientOptions } from './options.js';

export function createMediaServerClient(connection: SourceConnection, options: ClientOptions = {}): MediaServerClient {
  // A secret only ever travels in a header: one with a line break or a quote could forge another.
  for (const secret of [connection.token, connection.apiKey]) {
    if (secret !== undefined && !/^[\x21-\x7e]{1,512}$/.test(secret)) {
      throw new SourceError('unauthorized', `the ${connection.type === 'plex' ? 'token' : 'API key'} holds spaces, quotes or characters a ${connection.type === 'plex' ? 'Plex token' : 'key'} never has`);
    }
    if (secret?.includes('"')) throw new SourceError('unauthorized', `the ${connection.type === 'plex' ? 'token' : 'API key'} holds a quote, which a key never has`);
  }
  switch (connection.type) {
    case 'plex':
      return createPlexClient(connection, options);
    case 'jellyfin':
    case 'emby':
      return createJellyfinClient(connection, connection.type, options);
    default:
      throw new SourceError('invalid_url', `unknown media server type "${String((connection as { type: unknown }).type)}" (plex, jellyfin or emby)`);
  }
}
