import pino, { type Logger } from 'pino';
import type { LogTail } from './log-tail.js';
import { redactLogArgs } from './redact.js';

export type { Logger };

/**
 * Pretty, coloured lines on a terminal; one JSON object per line otherwise (journald, files, CI).
 * With a `tail`, every line logged is also kept there for the web monitor. Every line passes the
 * secret redactor first (src/logging/redact.ts): a media server's token never reaches the log.
 */
export function createLogger(level: string = 'info', tail?: LogTail, destination?: NodeJS.WritableStream): Logger {
  // (A destination — the tests' — takes JSON lines.)
  const pretty = !destination && process.stdout.isTTY && process.env.RETROVUE_LOG_FORMAT !== 'json';
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void, levelNumber: number) {
        const safe = redactLogArgs(args);
        tail?.record(levelNumber, safe, this.bindings());
        method.apply(this, safe);
      },
    },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}
