/**
 * Languages as HLS writes them. Channels and the library speak ISO 639-2 (`jpn`, `fre`, `ger`);
 * EXT-X-MEDIA's LANGUAGE is an RFC 5646 tag (RFC 8216 §4.3.4.1), whose primary subtag is the
 * shortest ISO 639 code — `ja`, `fr`, `de` — with three letters only where no two-letter code
 * exists (`haw`, `fil`). ICU's canonicalisation (Node's Intl, full ICU) knows that mapping,
 * bibliographic codes included, so no table of ours can drift from it.
 */

/** The RFC 5646 tag of an ISO 639 code, or undefined for `und` and anything that is not a language code (LANGUAGE is then left out: RFC 5646 §4.1 prefers no tag to `und`). */
export function languageTag(code: string): string | undefined {
  const lower = code.trim().toLowerCase();
  if (!/^[a-z]{2,3}$/.test(lower) || lower === 'und') return undefined;
  try {
    return Intl.getCanonicalLocales(lower)[0];
  } catch {
    return undefined;
  }
}
