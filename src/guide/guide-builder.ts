import { Worker } from 'node:worker_threads';
import { buildXmltv, type GuideChannel } from './xmltv.js';
import type { GuideReply, GuideRequest } from './xmltv-worker.js';

/**
 * Builds the XMLTV guide in a worker thread, so the event loop that serves every stream and
 * playlist never waits for it. One worker, started on first use and ended by close(); requests
 * queue in it one after another. Where a worker cannot run (or fails), the guide is built here,
 * as before: slower for the other requests, but the guide is never missing.
 */
export class GuideBuilder {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (xml: string) => void; reject: (error: Error) => void }>();
  private broken = false;

  build(channels: GuideChannel[], baseUrl: string, window: { fromMs: number; toMs: number }): Promise<string> {
    const worker = this.broken ? undefined : this.start();
    if (!worker) return Promise.resolve(buildXmltv(channels, baseUrl, window));
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, channels, baseUrl, window } satisfies GuideRequest);
    }).catch(() => buildXmltv(channels, baseUrl, window));
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): Worker | undefined {
    if (this.worker) return this.worker;
    try {
      const worker = new Worker(new URL('./xmltv-worker.js', import.meta.url));
      // An idle worker must not keep a stopping server alive.
      worker.unref();
      worker.on('message', (reply: GuideReply) => {
        const waiting = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if ('xml' in reply) waiting?.resolve(reply.xml);
        else waiting?.reject(new Error(reply.error));
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', () => this.fail(new Error('the guide worker exited')));
      this.worker = worker;
      return worker;
    } catch {
      this.broken = true;
      return undefined;
    }
  }

  /** A dead worker: whatever waited on it is built in place; the next build starts a new worker. */
  private fail(error: Error): void {
    this.worker = undefined;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
