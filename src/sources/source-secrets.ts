import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The media servers' secrets (Plex token, Jellyfin/Emby API key), kept apart from the database
 * in `<data dir>/secrets/media-sources.json`, mode 0600 in a 0700 folder: a copy of the
 * database (a backup, a bug report) gives no access to anyone's media server. Written whole to
 * a temporary file (created 0600, never readable by others even for an instant) and renamed
 * over the old one, so a crash leaves the old file or the new one, never half of either.
 */
export interface SourceSecret {
  /** Plex: X-Plex-Token. */
  token?: string;
  /** Jellyfin / Emby: API key or a user's access token. */
  apiKey?: string;
}

const MAX_SECRET_CHARS = 512;
/** A few hundred sources at most; a bigger file is not ours. */
const MAX_FILE_BYTES = 1024 * 1024;

const secretSchema = z.object({ token: z.string().min(1).max(MAX_SECRET_CHARS).optional(), apiKey: z.string().min(1).max(MAX_SECRET_CHARS).optional() }).strict();
const fileSchema = z.object({ version: z.literal(1), sources: z.record(z.string().max(64), secretSchema) }).strict();

export class SecretsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretsFileError';
  }
}

export interface SourceSecretsOptions {
  /** Told once when the file was readable by others and was closed to its owner again. */
  warn?: (message: string) => void;
  /** Told each secret as it is loaded or set, so the log redactor can hide it. */
  onSecret?: (secret: string) => void;
}

export class SourceSecrets {
  readonly file: string;
  private secrets: Map<string, SourceSecret> | undefined;

  constructor(
    dataDir: string,
    private readonly options: SourceSecretsOptions = {},
  ) {
    this.file = path.join(dataDir, 'secrets', 'media-sources.json');
  }

  /** Reads the file now (at start): a damaged file is reported at once, and every secret is announced to the redactor. */
  preload(): void {
    this.load();
  }

  get(key: string): SourceSecret | undefined {
    const secret = this.load().get(key);
    return secret ? { ...secret } : undefined;
  }

  /** Which secrets a source has, for answers that may only say "set". */
  presence(key: string): { token: boolean; apiKey: boolean } {
    const secret = this.load().get(key);
    return { token: Boolean(secret?.token), apiKey: Boolean(secret?.apiKey) };
  }

  set(key: string, secret: SourceSecret): void {
    const parsed = secretSchema.parse(secret);
    const next = new Map(this.load());
    next.set(key, parsed);
    this.write(next);
    this.secrets = next;
    this.announce(parsed);
  }

  remove(key: string): void {
    const current = this.load();
    if (!current.has(key)) return;
    const next = new Map(current);
    next.delete(key);
    this.write(next);
    this.secrets = next;
  }

  private announce(secret: SourceSecret): void {
    if (secret.token) this.options.onSecret?.(secret.token);
    if (secret.apiKey) this.options.onSecret?.(secret.apiKey);
  }

  private load(): Map<string, SourceSecret> {
    if (this.secrets) return this.secrets;
    let stat;
    try {
      stat = statSync(this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new SecretsFileError(`cannot read ${this.file}: ${(error as Error).message}`);
      this.secrets = new Map();
      return this.secrets;
    }
    if (!stat.isFile()) throw new SecretsFileError(`${this.file} is not a file`);
    if (stat.size > MAX_FILE_BYTES) throw new SecretsFileError(`${this.file} is ${stat.size} bytes: not a secrets file of Retrovue's (at most ${MAX_FILE_BYTES})`);
    // Someone (a restore, a copy with another umask) opened it to the group or the world:
    // close it again before reading, and say so, since the secrets may have been read.
    if ((stat.mode & 0o077) !== 0) {
      chmodSync(this.file, 0o600);
      this.options.warn?.(`${this.file} was readable by other users (mode ${(stat.mode & 0o777).toString(8)}): set back to 0600; consider changing the media servers' tokens`);
    }
    let parsed;
    try {
      parsed = fileSchema.parse(JSON.parse(readFileSync(this.file, 'utf8')));
    } catch (error) {
      throw new SecretsFileError(`${this.file} is damaged (${error instanceof SyntaxError ? 'not JSON' : 'not the expected shape'}): restore it, or remove it and enter the media servers' tokens again`);
    }
    this.secrets = new Map(Object.entries(parsed.sources));
    for (const secret of this.secrets.values()) this.announce(secret);
    return this.secrets;
  }

  private write(secrets: Map<string, SourceSecret>): void {
    const dir = path.dirname(this.file);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const body = JSON.stringify({ version: 1, sources: Object.fromEntries(secrets) }, null, 2);
    const temp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    // 'wx' with mode 0600: created private, never an existing file (or a link) followed.
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, body);
      fsyncSync(fd);
    } catch (error) {
      closeSync(fd);
      unlinkSync(temp);
      throw error;
    }
    closeSync(fd);
    renameSync(temp, this.file);
  }
}
