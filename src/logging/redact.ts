/**
 * Secrets (a media server's token or API key) never reach a log line, a status answer or an
 * error message: whoever holds one registers it here (the secrets file as it loads or stores
 * it, a media input as it is resolved), and every line the logger writes passes `redactLogArgs`,
 * so even text nobody thought about (ffmpeg's stderr echoing a request, an error message that
 * quotes a URL) shows "***" where the secret was.
 *
 * Process-wide on purpose: a secret is a secret wherever it turns up, and the logger, the
 * renderers' stderr and the supervisors' argument logs have no common owner to hand a list to.
 */

/** Shorter strings are not registered: hiding "1" or "abc" everywhere would garble the log and protect nothing. */
export const MIN_SECRET_CHARS = 6;
/** More secrets than a station could ever have: a bound, so a bug cannot grow the list forever. */
const MAX_SECRETS = 1000;
export const REDACTED = '***';

const secrets = new Set<string>();
/** Longest first, so a secret that contains another is hidden whole. */
let ordered: string[] = [];

/** Hides `secret` from every log line and redacted text from now on. Too-short values are ignored. */
export function registerSecret(secret: string | undefined | null): void {
  if (typeof secret !== 'string') return;
  const value = secret.trim();
  if (value.length < MIN_SECRET_CHARS || secrets.has(value)) return;
  if (secrets.size >= MAX_SECRETS) secrets.delete(secrets.values().next().value!);
  secrets.add(value);
  // A secret also turns up percent-encoded (in a query string ffmpeg echoes).
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secrets.add(encoded);
  ordered = [...secrets].sort((a, b) => b.length - a.length);
}

/** Forgets every registered secret (tests). */
export function clearSecrets(): void {
  secrets.clear();
  ordered = [];
}

/** `text` with every registered secret replaced by "***". */
export function redact(text: string): string {
  if (ordered.length === 0 || text.length < MIN_SECRET_CHARS) return text;
  let result = text;
  for (const secret of ordered) if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  return result;
}

/** Whether any secret is registered (a fast path for the logger). */
export function hasSecrets(): boolean {
  return ordered.length > 0;
}

/**
 * A value as it may be logged: strings redacted, objects and arrays copied with their strings
 * redacted (a few levels deep: log fields are shallow), an Error as its name, message and stack
 * redacted. Values with no secret in them come back as they were (the same object).
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object' || depth > 4) return value;
  if (value instanceof Error) {
    const message = redact(value.message);
    const stack = value.stack === undefined ? undefined : redact(value.stack);
    if (message === value.message && stack === value.stack) return value;
    const copy = new Error(message);
    copy.name = value.name;
    copy.stack = stack;
    for (const [key, field] of Object.entries(value)) (copy as unknown as Record<string, unknown>)[key] = redactValue(field, depth + 1);
    return copy;
  }
  if (Array.isArray(value)) {
    const copy = value.map((item) => redactValue(item, depth + 1));
    return copy.some((item, i) => item !== value[i]) ? copy : value;
  }
  // Only plain objects are rebuilt: a Buffer, a Map or a class instance is logged as it is.
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  let changed = false;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const redacted = redactValue(field, depth + 1);
    if (redacted !== field) changed = true;
    copy[key] = redacted;
  }
  return changed ? copy : value;
}

/** A logger call's arguments (fields object, message, format values) with every secret hidden. */
export function redactLogArgs(args: unknown[]): unknown[] {
  if (!hasSecrets()) return args;
  return args.map((arg) => redactValue(arg));
}
