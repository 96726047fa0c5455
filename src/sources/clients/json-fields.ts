/**
 * Reading a media server's JSON without trusting it: every field may be missing, of another
 * type, or absurd. These accessors answer undefined (or an empty list) instead of throwing, so
 * one odd item costs its own fields, never the import.
 */
import { cleanText } from '../bounded-http.js';

export type Json = Record<string, unknown>;

export function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Objects of a list, the rest dropped. */
export function objs(value: unknown): Json[] {
  return arr(value).flatMap((entry) => {
    const o = obj(entry);
    return o ? [o] : [];
  });
}

/** Text, cleaned of control characters (see cleanText); numbers are accepted as text (Plex ids). */
export function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return cleanText(value);
}

/** A finite number, from a number or a numeric string. */
export function num(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** A non-negative integer below 1e6 (season, episode, index numbers). */
export function smallInt(value: unknown): number | undefined {
  const n = num(value);
  return n !== undefined && Number.isInteger(n) && n >= 0 && n < 1_000_000 ? n : undefined;
}

/** true for true, 1 and "1"/"true" (Plex writes booleans both ways). */
export function bool(value: unknown): boolean | undefined {
  if (value === true || value === 1 || value === '1' || value === 'true') return true;
  if (value === false || value === 0 || value === '0' || value === 'false') return false;
  return undefined;
}

/** "YYYY-MM-DD" from a date or date-time string, when it is one. */
export function isoDay(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  return match ? `${match[1]}-${match[2]}-${match[3]}` : undefined;
}

/** "16:9" or "4:3" from a width/height or an aspect ratio, when it is one of the usual ones. */
export function displayAspect(ratio: number | undefined): string | undefined {
  if (ratio === undefined || !(ratio > 0)) return undefined;
  if (Math.abs(ratio - 16 / 9) < 0.03) return '16:9';
  if (Math.abs(ratio - 4 / 3) < 0.03) return '4:3';
  return undefined;
}

/** Genres as a clean, de-duplicated list (at most 20: a guide shows a few). */
export function tags(values: unknown[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    const t = text(value);
    if (t && !out.includes(t) && out.length < 20) out.push(t);
  }
  return out;
}

/** An external id as Retrovue keeps it: IMDb "tt…", TMDb and TVDB digits. */
export function externalId(kind: 'imdb' | 'tmdb' | 'tvdb', value: unknown): string | undefined {
  const t = text(value)?.trim();
  if (!t) return undefined;
  if (kind === 'imdb') return /^tt\d{5,10}$/.test(t) ? t : undefined;
  return /^\d{1,12}$/.test(t) ? t : undefined;
}

/** Optional fields left out rather than present as undefined, so mapped items compare and serialise cleanly. */
export function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] === undefined) delete value[key];
  return value;
}
