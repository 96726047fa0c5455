import pino, { type Logger } from 'pino';
import type { LogTail } from './log-tail.js';

export type { Logger };

/**
 * Pretty, coloured lines on a terminal; one JSON object per line otherwise (journald, files, CI).
 * With a `tail`, every line logged is also kept there for the web monitor.
 */
export function createLogger(level: string = 'info', tail?: LogTail): Logger {
  const pretty = process.stdout.isTTY && process.env.RETROVUE_LOG_FORMAT !== 'json';
  return pino({
    level,
    base: undefined,
    ...(tail
      ? {
          hooks: {
            logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void, levelNumber: number) {
              tail.record(levelNumber, args, this.bindings());
              method.apply(this, args);
            },
          },
        }
      : {}),
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  });
}
