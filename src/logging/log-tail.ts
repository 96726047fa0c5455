/** One line of the log as the monitor shows it. */
export interface LogLine {
  time: string;
  level: string;
  msg: string;
  component?: string;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/**
 * The last lines logged, kept in memory for the web monitor (a ring: old lines fall off).
 * Fed by the logger itself (a pino logMethod hook), so it sees exactly what is logged.
 */
export class LogTail {
  private readonly lines: LogLine[] = [];

  constructor(private readonly capacity = 200) {}

  record(levelNumber: number, args: unknown[], bindings: Record<string, unknown>): void {
    const fields = typeof args[0] === 'object' && args[0] !== null ? (args[0] as Record<string, unknown>) : {};
    const message = args.find((arg): arg is string => typeof arg === 'string') ?? (fields.err instanceof Error ? fields.err.message : '');
    const component = typeof bindings.component === 'string' ? bindings.component : undefined;
    this.lines.push({ time: new Date().toISOString(), level: LEVEL_NAMES[levelNumber] ?? String(levelNumber), msg: message, ...(component ? { component } : {}) });
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
  }

  last(count: number): LogLine[] {
    return this.lines.slice(-count);
  }
}
