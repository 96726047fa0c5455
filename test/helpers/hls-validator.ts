/**
 * A master playlist validator written from RFC 8216 (HLS): §4.2 (attribute lists), §4.3.4.1 and
 * §4.3.4.1.1 (EXT-X-MEDIA and its groups), §4.3.4.2 (EXT-X-STREAM-INF), §7 (protocol versions), plus
 * draft-pantos-hls-rfc8216bis's "URI is REQUIRED if the TYPE is SUBTITLES". Every MUST is an
 * error; the SHOULDs it checks are warnings. Each problem names the rule it breaks, so a test can
 * prove each rule is seen when broken on its own.
 */

export type Rule =
  | 'header' // §4.3.1.1: the first line is #EXTM3U
  | 'attribute-syntax' // §4.2: NAME=value pairs, comma separated, no whitespace
  | 'attribute-duplicate' // §4.2: a name at most once per list
  | 'value-type' // §4.2 / §4.3.4: quoted-string vs enumerated-string vs numbers, per attribute
  | 'media-type' // §4.3.4.1 TYPE: REQUIRED, AUDIO | VIDEO | SUBTITLES | CLOSED-CAPTIONS
  | 'media-group-id' // GROUP-ID: REQUIRED
  | 'media-name' // NAME: REQUIRED
  | 'media-language' // LANGUAGE: an RFC 5646 tag
  | 'media-yes-no' // DEFAULT, AUTOSELECT, FORCED: YES or NO
  | 'media-autoselect-default' // AUTOSELECT, if present, MUST be YES when DEFAULT=YES
  | 'media-forced-type' // FORCED MUST NOT be present unless TYPE=SUBTITLES
  | 'media-instream-id' // INSTREAM-ID REQUIRED for CLOSED-CAPTIONS (CC1-4, SERVICE1-63), forbidden otherwise
  | 'media-instream-version' // §7: SERVICEn needs EXT-X-VERSION 7
  | 'media-uri-captions' // URI MUST NOT be present for CLOSED-CAPTIONS
  | 'media-uri-subtitles' // 8216bis: URI REQUIRED for SUBTITLES
  | 'media-channels' // CHANNELS: a quoted-string, first parameter a decimal integer
  | 'group-name-unique' // §4.3.4.1.1: names differ within a group
  | 'group-one-default' // §4.3.4.1.1: at most one DEFAULT=YES per group
  | 'group-autoselect-distinct' // §4.3.4.1.1 SHOULD: AUTOSELECT=YES members differ in LANGUAGE/ASSOC-LANGUAGE/FORCED/CHARACTERISTICS
  | 'stream-bandwidth' // §4.3.4.2: BANDWIDTH REQUIRED
  | 'stream-uri' // §4.3.4.2: the URI line after the tag is REQUIRED
  | 'stream-group-reference' // AUDIO / VIDEO / SUBTITLES / CLOSED-CAPTIONS name a group of that TYPE
  | 'stream-closed-captions-none'; // CLOSED-CAPTIONS=NONE on one variant: NONE on all

export interface Problem {
  rule: Rule;
  severity: 'error' | 'warning';
  /** 1-based line of the playlist. */
  line: number;
  message: string;
}

interface AttributeValue {
  raw: string;
  quoted: boolean;
  /** The value without its quotes. */
  value: string;
}

/** Splits an attribute list (§4.2); throws on a syntax error (the caller reports it). */
export function parseAttributeList(text: string): Array<[string, AttributeValue]> {
  const out: Array<[string, AttributeValue]> = [];
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`no "=" after "${text.slice(i)}"`);
    const name = text.slice(i, eq);
    if (!/^[A-Z0-9-]+$/.test(name)) throw new Error(`bad attribute name "${name}"`);
    let j = eq + 1;
    let raw: string;
    if (text[j] === '"') {
      const close = text.indexOf('"', j + 1);
      if (close < 0) throw new Error(`unterminated quoted-string for ${name}`);
      raw = text.slice(j, close + 1);
      j = close + 1;
    } else {
      const comma = text.indexOf(',', j);
      raw = text.slice(j, comma < 0 ? text.length : comma);
      j = comma < 0 ? text.length : comma;
      if (raw.length === 0 || /[\s"]/.test(raw)) throw new Error(`bad value for ${name}: "${raw}"`);
    }
    out.push([name, { raw, quoted: raw.startsWith('"'), value: raw.startsWith('"') ? raw.slice(1, -1) : raw }]);
    if (j < text.length) {
      if (text[j] !== ',') throw new Error(`expected "," after ${name}`);
      j += 1;
      if (j === text.length) throw new Error('trailing ","');
    }
    i = j;
  }
  return out;
}

type ValueType = 'quoted' | 'enumerated' | 'integer' | 'float' | 'resolution' | 'quoted-or-enumerated';

/** The value type of each attribute this validator knows (§4.3.4.1, §4.3.4.2). */
const MEDIA_TYPES: Record<string, ValueType> = {
  TYPE: 'enumerated', URI: 'quoted', 'GROUP-ID': 'quoted', LANGUAGE: 'quoted', 'ASSOC-LANGUAGE': 'quoted', NAME: 'quoted',
  DEFAULT: 'enumerated', AUTOSELECT: 'enumerated', FORCED: 'enumerated', 'INSTREAM-ID': 'quoted', CHARACTERISTICS: 'quoted', CHANNELS: 'quoted',
};
const STREAM_TYPES: Record<string, ValueType> = {
  BANDWIDTH: 'integer', 'AVERAGE-BANDWIDTH': 'integer', CODECS: 'quoted', RESOLUTION: 'resolution', 'FRAME-RATE': 'float', 'HDCP-LEVEL': 'enumerated',
  AUDIO: 'quoted', VIDEO: 'quoted', SUBTITLES: 'quoted', 'CLOSED-CAPTIONS': 'quoted-or-enumerated',
};

function typeMatches(type: ValueType, v: AttributeValue): boolean {
  switch (type) {
    case 'quoted':
      return v.quoted && !/[\r\n"]/.test(v.value);
    case 'enumerated':
      return !v.quoted;
    case 'quoted-or-enumerated':
      return true;
    case 'integer':
      return !v.quoted && /^\d{1,20}$/.test(v.raw);
    case 'float':
      return !v.quoted && /^\d+(\.\d+)?$/.test(v.raw);
    case 'resolution':
      return !v.quoted && /^\d+x\d+$/.test(v.raw);
  }
}

/** RFC 5646 well-formed and valid as far as ICU knows: a tag ICU would write otherwise (e.g. "eng" for "en") is not the registered form. */
function isLanguageTag(tag: string): boolean {
  if (!/^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$/.test(tag)) return false;
  try {
    return Intl.getCanonicalLocales(tag)[0]!.toLowerCase() === tag.toLowerCase();
  } catch {
    return false;
  }
}

interface MediaTag {
  line: number;
  attributes: Map<string, AttributeValue>;
}

/** Every problem of a master playlist, in line order. */
export function validateMasterPlaylist(text: string): Problem[] {
  const problems: Problem[] = [];
  const report = (rule: Rule, line: number, message: string, severity: Problem['severity'] = 'error'): void => {
    problems.push({ rule, severity, line, message });
  };
  const lines = text.split(/\r?\n/);
  if (lines[0] !== '#EXTM3U') report('header', 1, 'the first line must be #EXTM3U');
  let version = 1;
  const media: MediaTag[] = [];
  const streams: MediaTag[] = [];

  const parse = (body: string, line: number, types: Record<string, ValueType>): Map<string, AttributeValue> | undefined => {
    let pairs: Array<[string, AttributeValue]>;
    try {
      pairs = parseAttributeList(body);
    } catch (error) {
      report('attribute-syntax', line, (error as Error).message);
      return undefined;
    }
    const attributes = new Map<string, AttributeValue>();
    for (const [name, value] of pairs) {
      if (attributes.has(name)) report('attribute-duplicate', line, `${name} appears more than once`);
      attributes.set(name, value);
      const type = types[name];
      if (type && !typeMatches(type, value)) report('value-type', line, `${name}=${value.raw} is not a${type === 'enumerated' ? 'n' : ''} ${type} value`);
    }
    return attributes;
  };

  lines.forEach((text, index) => {
    const line = index + 1;
    if (text.startsWith('#EXT-X-VERSION:')) version = Number(text.slice(15));
    else if (text.startsWith('#EXT-X-MEDIA:')) {
      const attributes = parse(text.slice(13), line, MEDIA_TYPES);
      if (attributes) media.push({ line, attributes });
    } else if (text.startsWith('#EXT-X-STREAM-INF:')) {
      const attributes = parse(text.slice(18), line, STREAM_TYPES);
      if (attributes) streams.push({ line, attributes });
      const next = lines.slice(index + 1).find((l) => l.trim() !== '');
      if (next === undefined || next.startsWith('#')) report('stream-uri', line, 'EXT-X-STREAM-INF must be followed by its URI line');
    }
  });

  for (const { line, attributes: a } of media) {
    const type = a.get('TYPE')?.value;
    if (!type || !['AUDIO', 'VIDEO', 'SUBTITLES', 'CLOSED-CAPTIONS'].includes(type)) report('media-type', line, `TYPE is required and one of AUDIO, VIDEO, SUBTITLES, CLOSED-CAPTIONS (got ${type ?? 'none'})`);
    if (!a.has('GROUP-ID')) report('media-group-id', line, 'GROUP-ID is required');
    if (!a.has('NAME')) report('media-name', line, 'NAME is required');
    for (const key of ['LANGUAGE', 'ASSOC-LANGUAGE']) {
      const language = a.get(key);
      if (language && !isLanguageTag(language.value)) report('media-language', line, `${key}="${language.value}" is not an RFC 5646 tag in its registered form`);
    }
    for (const key of ['DEFAULT', 'AUTOSELECT', 'FORCED']) {
      const value = a.get(key);
      if (value && value.value !== 'YES' && value.value !== 'NO') report('media-yes-no', line, `${key} must be YES or NO (got ${value.raw})`);
    }
    if (a.get('DEFAULT')?.value === 'YES' && a.has('AUTOSELECT') && a.get('AUTOSELECT')!.value !== 'YES') report('media-autoselect-default', line, 'AUTOSELECT must be YES when DEFAULT=YES');
    if (a.has('FORCED') && type !== 'SUBTITLES') report('media-forced-type', line, 'FORCED is only for TYPE=SUBTITLES');
    const instream = a.get('INSTREAM-ID');
    if (type === 'CLOSED-CAPTIONS') {
      if (!instream) report('media-instream-id', line, 'INSTREAM-ID is required for TYPE=CLOSED-CAPTIONS');
      else {
        const match = /^SERVICE([1-9]\d?)$/.exec(instream.value);
        const service = match !== null && Number(match[1]) <= 63;
        if (!/^CC[1-4]$/.test(instream.value) && !service) report('media-instream-id', line, `INSTREAM-ID must be CC1-CC4 or SERVICE1-SERVICE63 (got ${instream.raw})`);
        if (service && version < 7) report('media-instream-version', line, 'INSTREAM-ID SERVICEn needs EXT-X-VERSION:7');
      }
      if (a.has('URI')) report('media-uri-captions', line, 'URI must not be present for TYPE=CLOSED-CAPTIONS');
    } else if (instream) report('media-instream-id', line, `INSTREAM-ID is only for TYPE=CLOSED-CAPTIONS (TYPE=${type})`);
    if (type === 'SUBTITLES' && !a.has('URI')) report('media-uri-subtitles', line, 'URI is required for TYPE=SUBTITLES');
    const channels = a.get('CHANNELS');
    if (channels && !/^\d+(\/[^/]*)*$/.test(channels.value)) report('media-channels', line, `CHANNELS must start with a channel count (got ${channels.raw})`);
  }

  // Groups: TYPE + GROUP-ID (§4.3.4.1.1).
  const groups = new Map<string, MediaTag[]>();
  for (const tag of media) {
    const key = `${tag.attributes.get('TYPE')?.value}|${tag.attributes.get('GROUP-ID')?.value}`;
    groups.set(key, [...(groups.get(key) ?? []), tag]);
  }
  for (const [key, members] of groups) {
    const names = new Set<string>();
    for (const m of members) {
      const name = m.attributes.get('NAME')?.value;
      if (name === undefined) continue;
      if (names.has(name)) report('group-name-unique', m.line, `NAME "${name}" is used twice in group ${key}`);
      names.add(name);
    }
    const defaults = members.filter((m) => m.attributes.get('DEFAULT')?.value === 'YES');
    for (const extra of defaults.slice(1)) report('group-one-default', extra.line, `group ${key} has more than one DEFAULT=YES`);
    const selections = new Set<string>();
    for (const m of members.filter((m) => m.attributes.get('AUTOSELECT')?.value === 'YES')) {
      const combination = ['LANGUAGE', 'ASSOC-LANGUAGE', 'FORCED', 'CHARACTERISTICS'].map((k) => m.attributes.get(k)?.value ?? '').join('|');
      if (selections.has(combination)) report('group-autoselect-distinct', m.line, `two AUTOSELECT=YES members of group ${key} share LANGUAGE/ASSOC-LANGUAGE/FORCED/CHARACTERISTICS`, 'warning');
      selections.add(combination);
    }
  }

  const groupIds = (type: string): Set<string> =>
    new Set(media.filter((m) => m.attributes.get('TYPE')?.value === type).map((m) => m.attributes.get('GROUP-ID')?.value ?? ''));
  const captionsNone = streams.some((s) => s.attributes.get('CLOSED-CAPTIONS')?.raw === 'NONE');
  for (const { line, attributes: a } of streams) {
    if (!a.has('BANDWIDTH')) report('stream-bandwidth', line, 'BANDWIDTH is required');
    for (const key of ['AUDIO', 'VIDEO', 'SUBTITLES', 'CLOSED-CAPTIONS']) {
      const value = a.get(key);
      if (!value || (key === 'CLOSED-CAPTIONS' && value.raw === 'NONE')) continue;
      if (!value.quoted) report('value-type', line, `${key} must be a quoted-string${key === 'CLOSED-CAPTIONS' ? ' or NONE' : ''}`);
      else if (!groupIds(key).has(value.value)) report('stream-group-reference', line, `${key}="${value.value}" names no EXT-X-MEDIA group of TYPE=${key}`);
    }
    if (captionsNone && a.get('CLOSED-CAPTIONS')?.raw !== 'NONE') report('stream-closed-captions-none', line, 'a variant says CLOSED-CAPTIONS=NONE, so every variant must');
  }
  return problems.sort((x, y) => x.line - y.line);
}

/** The errors alone (warnings are the RFC's SHOULDs). */
export function masterPlaylistErrors(text: string): Problem[] {
  return validateMasterPlaylist(text).filter((p) => p.severity === 'error');
}
