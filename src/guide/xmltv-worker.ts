import { parentPort } from 'node:worker_threads';
import { buildXmltv, type GuideChannel } from './xmltv.js';

/**
 * Builds XMLTV documents off the server's event loop (src/guide/guide-builder.ts starts it):
 * a guide of a few thousand programmes takes xmlbuilder2 a noticeable fraction of a second,
 * which on the main thread every stream, playlist and API answer would wait for.
 */
export interface GuideRequest {
  id: number;
  channels: GuideChannel[];
  baseUrl: string;
  window: { fromMs: number; toMs: number };
}

export type GuideReply = { id: number; xml: string } | { id: number; error: string };

parentPort?.on('message', (request: GuideRequest) => {
  try {
    parentPort!.postMessage({ id: request.id, xml: buildXmltv(request.channels, request.baseUrl, request.window) } satisfies GuideReply);
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: (error as Error).message } satisfies GuideReply);
  }
});
