import pino, { type Logger } from 'pino';

export type { Logger };

/** Pretty, coloured lines on a terminal; one JSON object per line otherwise (journald, files, CI). */
export function createLogger(level: string = 'info'): Logger {
  const pretty = process.stdout.isTTY && process.env.RETROVUE_LOG_FORMAT !== 'json';
  return pino({
    level,
    base: undefined,
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  });
}
