import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The admin token lives beside the database; only its owner may read it. */
export const ADMIN_TOKEN_FILE = 'admin-token';

export function adminTokenPath(dataDir: string): string {
  return path.join(dataDir, ADMIN_TOKEN_FILE);
}

/** 32 random bytes, URL-safe: fits an Authorization header and a shell variable as is. */
function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Writes a token atomically (rename), mode 0600, so a reader never sees half a token. */
export function writeAdminToken(dataDir: string, token = newToken()): string {
  mkdirSync(dataDir, { recursive: true });
  const file = adminTokenPath(dataDir);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${token}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
  return token;
}

export function readAdminToken(dataDir: string): string | undefined {
  const file = adminTokenPath(dataDir);
  if (!existsSync(file)) return undefined;
  const token = readFileSync(file, 'utf8').trim();
  return token || undefined;
}

/** The token, created on first use; `created` says whether it is new (so it is printed once). */
export function ensureAdminToken(dataDir: string): { token: string; created: boolean; path: string } {
  const existing = readAdminToken(dataDir);
  if (existing) return { token: existing, created: false, path: adminTokenPath(dataDir) };
  return { token: writeAdminToken(dataDir), created: true, path: adminTokenPath(dataDir) };
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * What a write from the network must present: the admin token from the data folder, or the
 * password from the config. The token file is re-read when it changes, so `retrovue token
 * --rotate` takes effect at once on a running server, and the old token stops working.
 */
export class AdminCredential {
  private cached: { token: string | undefined; mtimeMs: number } = { token: undefined, mtimeMs: -1 };

  constructor(
    private readonly dataDir: string,
    private readonly password: string | undefined,
  ) {}

  private currentToken(): string | undefined {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(adminTokenPath(this.dataDir)).mtimeMs;
    } catch {
      return undefined;
    }
    if (mtimeMs !== this.cached.mtimeMs) this.cached = { token: readAdminToken(this.dataDir), mtimeMs };
    return this.cached.token;
  }

  accepts(secret: string): boolean {
    const token = this.currentToken();
    // Both are compared, so the time taken does not say which one nearly matched.
    const byToken = token !== undefined && sameSecret(secret, token);
    const byPassword = this.password !== undefined && sameSecret(secret, this.password);
    return byToken || byPassword;
  }
}
