/**
 * A content rating as XMLTV's `<rating system="…"><value>…</value></rating>` wants it. Sources
 * give ratings many ways ("TV-PG", "PG-13", Plex's "gb/15", Jellyfin's "GB-15", a Kodi .nfo's
 * "GB:15"); guides (Plex, Jellyfin, TiVo-style clients) read the system to show the right badge:
 * "VCHIP" for the US TV Parental Guidelines, "MPAA" for US film ratings, a country's code for a
 * rating prefixed with it, else "advisory".
 */
export interface GuideRating {
  system: string;
  value: string;
}

const VCHIP = /^TV-(?:Y|Y7|Y7-FV|G|PG|14|MA)$/i;
const MPAA = /^(?:G|PG|PG-13|R|NC-17|NR|UNRATED|NOT RATED|X)$/i;
const COUNTRY = /^([A-Za-z]{2})\s*[:/-]\s*(\S.*)$/;

export function guideRating(rating: string): GuideRating {
  const value = rating.trim();
  if (VCHIP.test(value)) return { system: 'VCHIP', value: value.toUpperCase() };
  if (MPAA.test(value)) return { system: 'MPAA', value: value.toUpperCase() };
  const country = COUNTRY.exec(value);
  if (country) {
    const code = country[1]!.toUpperCase();
    const inner = country[2]!.trim();
    // "US:TV-14", "us/PG-13": the US systems by name.
    if (code === 'US' && (VCHIP.test(inner) || MPAA.test(inner))) return guideRating(inner);
    return { system: code, value: inner };
  }
  return { system: 'advisory', value };
}
