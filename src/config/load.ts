import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { configSchema, type RetrovueConfig } from './schema.js';
import { someOf } from './message-text.js';

/** Command-line options of `retrovue serve` that map onto config keys. */
export interface ServeFlags {
  config?: string;
  mode?: string;
  channels?: string;
  port?: string;
  host?: string;
  loops?: string;
  quality?: string;
  media?: string[];
  data?: string;
  idleTimeout?: string;
}

/** Which flag sets which config key, so an error can name what the user typed. */
const FLAG_KEYS: Array<{ flag: string; option: keyof ServeFlags; key: string[]; numeric: boolean }> = [
  { flag: '--mode', option: 'mode', key: ['streaming', 'mode'], numeric: false },
  { flag: '--channels', option: 'channels', key: ['streaming', 'channels'], numeric: true },
  { flag: '--port', option: 'port', key: ['streaming', 'port'], numeric: true },
  { flag: '--host', option: 'host', key: ['streaming', 'host'], numeric: false },
  { flag: '--loops', option: 'loops', key: ['streaming', 'loops'], numeric: true },
  { flag: '--quality', option: 'quality', key: ['streaming', 'quality'], numeric: false },
  { flag: '--idle-timeout', option: 'idleTimeout', key: ['streaming', 'idle_timeout'], numeric: true },
  { flag: '--media', option: 'media', key: ['library', 'paths'], numeric: false },
  { flag: '--data', option: 'data', key: ['data_dir'], numeric: false },
];

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key(s) ${someOf(issue.keys.map((k) => `"${k}"`))}`;
  return issue.message;
}

function setPath(target: Record<string, unknown>, key: string[], value: unknown): void {
  let node = target;
  for (const part of key.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[key[key.length - 1]!] = value;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`config file ${file}: must be a JSON object`);
    }
    return parsed as Record<string, unknown>;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Builds the effective config: built-in defaults < config file < command-line flags.
 * Every problem is reported at once, each naming the flag or the key (with the file)
 * that caused it, and nothing is started or written when there is one.
 */
export function loadConfig(flags: ServeFlags = {}): RetrovueConfig {
  const raw: Record<string, unknown> = flags.config ? readConfigFile(flags.config) : {};
  const fromFlag = new Map<string, string>();

  for (const mapping of FLAG_KEYS) {
    const value = flags[mapping.option];
    if (value === undefined) continue;
    let converted: unknown = value;
    if (mapping.numeric) {
      converted = Number(value);
      if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(converted)) {
        throw new ConfigError(`${mapping.flag}: must be a number (got "${String(value)}")`);
      }
    }
    setPath(raw, mapping.key, converted);
    fromFlag.set(mapping.key.join('.'), mapping.flag);
  }

  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.map(String).join('.');
      const flag = [...fromFlag.entries()].find(([k]) => key === k || key.startsWith(`${k}.`))?.[1];
      const where = flag ?? (flags.config ? `${key || '(root)'} (in ${flags.config})` : key || '(root)');
      return `${where}: ${describeIssue(issue)}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const config = result.data;
  // Relative paths in a config file are relative to the file; on the command line, to the cwd.
  const base = flags.config && !fromFlag.has('data_dir') ? path.dirname(path.resolve(flags.config)) : process.cwd();
  config.data_dir = path.resolve(base, config.data_dir);
  if (config.server.logo_folder !== undefined) config.server.logo_folder = path.resolve(base, config.server.logo_folder);
  const libraryBase = flags.config && !fromFlag.has('library.paths') ? path.dirname(path.resolve(flags.config)) : process.cwd();
  config.library.paths = config.library.paths.map((p) => path.resolve(libraryBase, p));
  return config;
}

/**
 * Whether the user chose how channels play (`streaming.mode` or `streaming.channels`, by flag
 * or in the config file). When they did not and no media is configured, the first run puts
 * the scheduled demo station on the air (src/demo/demo-station.ts).
 */
export function playoutWasChosen(flags: ServeFlags): boolean {
  if (flags.mode !== undefined || flags.channels !== undefined) return true;
  if (!flags.config) return false;
  const streaming = readConfigFile(flags.config).streaming as Record<string, unknown> | undefined;
  return streaming?.mode !== undefined || streaming?.channels !== undefined;
}
