import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger.js';
import { LogTail } from '../../../src/logging/log-tail.js';
import { clearSecrets, redact, redactValue, registerSecret } from '../../../src/logging/redact.js';
import { RunSupervisor } from '../../../src/ffmpeg/run-supervisor.js';

/**
 * Secrets never reach a log line (src/logging/redact.ts): the real logger (pino, JSON lines)
 * writes into a capture here, and the token must not be in any of it.
 */
const TOKEN = 'xK9-plex-token-77Qa';

function capture() {
  const text: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text.push(chunk.toString());
      done();
    },
  });
  return { destination, text: () => text.join('') };
}

afterEach(() => clearSecrets());

describe('redact', () => {
  it('replaces every registered secret, longest first, and its percent-encoded form', () => {
    registerSecret(TOKEN);
    registerSecret('a b/c+d=secret');
    expect(redact(`-headers X-Plex-Token: ${TOKEN}\r\n and again ${TOKEN}`)).toBe('-headers X-Plex-Token: ***\r\n and again ***');
    expect(redact('http://x/?api_key=a%20b%2Fc%2Bd%3Dsecret')).toBe('http://x/?api_key=***');
    registerSecret(`${TOKEN}-longer`);
    expect(redact(`${TOKEN}-longer`)).toBe('***');
  });

  it('ignores values too short to be secrets (they would garble every line)', () => {
    registerSecret('abc');
    registerSecret('   ');
    registerSecret(undefined);
    expect(redact('abc abc')).toBe('abc abc');
  });

  it('copies only what holds a secret: objects, arrays and errors; the rest comes back as it was', () => {
    const clean = { a: 1, b: ['x'] };
    registerSecret(TOKEN);
    expect(redactValue(clean)).toBe(clean);
    const error = new Error(`401 for ${TOKEN}`);
    const out = redactValue({ err: error, list: [`t=${TOKEN}`], n: 3 }) as { err: Error; list: string[]; n: number };
    expect(out.err).toBeInstanceOf(Error);
    expect(out.err.message).toBe('401 for ***');
    expect(out.err.stack).not.toContain(TOKEN);
    expect(out.list).toEqual(['t=***']);
    expect(error.message).toContain(TOKEN); // the original is not changed
  });
});

describe('the logger', () => {
  it('never writes a registered token: in the message, in fields, in an error, in the monitor\'s tail', () => {
    const { destination, text } = capture();
    const tail = new LogTail();
    const log = createLogger('debug', tail, destination).child({ component: 'playout' });
    registerSecret(TOKEN);
    log.info(`ffmpeg said: GET /library/parts/1?X-Plex-Token=${TOKEN}`);
    log.warn({ ffmpeg: `X-Plex-Token: ${TOKEN}`, nested: { args: ['-headers', `X-Plex-Token: ${TOKEN}\r\n`] } }, 'airing renderer says');
    log.error({ err: new Error(`cannot reach plex with ${TOKEN}`) }, 'source check failed');
    log.debug('%s started', `-headers X-Plex-Token: ${TOKEN}`);
    const written = text();
    expect(written.split('\n').filter(Boolean)).toHaveLength(4);
    expect(written).not.toContain(TOKEN);
    expect(written).toContain('X-Plex-Token=***');
    expect(written).toContain('cannot reach plex with ***');
    expect(tail.last(10).map((l) => l.msg).join('\n')).not.toContain(TOKEN);
  });

  it("the run supervisor's \"ffmpeg started\" line and its stderr lines carry no token (a real child process)", async () => {
    const { destination, text } = capture();
    const log = createLogger('debug', undefined, destination);
    registerSecret(TOKEN);
    // Stands in for ffmpeg: prints its own arguments on stderr, as ffmpeg echoes a request it made, and fails.
    const supervisor = new RunSupervisor({
      name: 'renderer',
      log,
      prepare: async () => ({ command: process.execPath, args: ['-e', 'process.stderr.write(JSON.stringify(process.argv.slice(1)) + "\\n"); process.exit(1)', '--', '-headers', `X-Plex-Token: ${TOKEN}\r\n`, '-i', 'http://plex/x'] }),
      restartAfterCleanExit: () => false,
      initialRestartDelayMs: 60_000,
    });
    const exited = new Promise((resolve) => supervisor.once('exit', resolve));
    supervisor.start();
    await exited;
    await supervisor.stop();
    const written = text();
    expect(written).toContain('ffmpeg started');
    expect(written).toContain('X-Plex-Token: ***');
    expect(written).toContain('X-Plex-Token: ***\\\\r\\\\n'); // the stderr line, JSON-escaped twice
    expect(written).toContain('ffmpeg says');
    expect(written).not.toContain(TOKEN);
    expect(supervisor.lastError).toContain('***');
    expect(supervisor.lastError).not.toContain(TOKEN);
  });
});
