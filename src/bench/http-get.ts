import http from 'node:http';

export interface HttpGetResult {
  /** 0 when the request failed or timed out. */
  status: number;
  bytes: number;
  /** From the request to the end of the body (or the failure). */
  ms: number;
  /** The body, when asked for (`keepText`); else empty. */
  text: string;
}

/**
 * One GET over a shared keep-alive agent, as the benches' simulated viewers make them: never
 * rejects (a failure is status 0), so a viewer loop counts errors instead of dying.
 */
export function httpGet(agent: http.Agent, url: string, options: { keepText?: boolean; timeoutMs: number }): Promise<HttpGetResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const request = http.get(url, { agent }, (response) => {
      let bytes = 0;
      let text = '';
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (options.keepText) text += chunk.toString();
      });
      response.once('end', () => resolve({ status: response.statusCode ?? 0, bytes, ms: performance.now() - started, text }));
      response.once('error', () => resolve({ status: 0, bytes, ms: performance.now() - started, text }));
    });
    request.once('error', () => resolve({ status: 0, bytes: 0, ms: performance.now() - started, text: '' }));
    request.setTimeout(options.timeoutMs, () => request.destroy());
  });
}
