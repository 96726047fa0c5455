import { gzipSync } from 'node:zlib';

/**
 * The boundary and hostile values the hostile-input walk (hostile-walk.ts) sends into every
 * parameter and body field: what a LAN attacker, a broken client or a fuzzer would send.
 * Kept apart from the walk so that a value found dangerous later is added in one place.
 */

/** One value with a short name for the report (the value itself may be a megabyte). */
export interface Labelled<T> {
  label: string;
  value: T;
}

const DAY_MS = 24 * 3600_000;
export const MEGABYTE_STRING_LENGTH = 1_000_000;

/** A path piece, already percent-encoded as it goes on the wire. */
export type PathPiece = Labelled<string>;

/**
 * Ids that name nothing: negative, zero, beyond 2^53, non-numeric, control characters,
 * traversal (plain, encoded, double-encoded, overlong UTF-8), malformed escapes, long.
 */
export const HOSTILE_PATH_PIECES: PathPiece[] = [
  { label: '-1', value: '-1' },
  { label: '0', value: '0' },
  { label: '1e308', value: '1e308' },
  { label: '-1e308', value: '-1e308' },
  { label: '2^53+1', value: '9007199254740993' },
  { label: '26 digits', value: '99999999999999999999999999' },
  { label: 'NaN', value: 'NaN' },
  { label: 'Infinity', value: 'Infinity' },
  { label: '-Infinity', value: '-Infinity' },
  { label: '1.5', value: '1.5' },
  { label: 'letters', value: 'abc' },
  { label: 'NUL', value: '%00' },
  { label: 'newline', value: '%0D%0AX-Injected:%201' },
  { label: 'DEL and C1', value: '%7F%C2%85' },
  { label: 'dot', value: '.' },
  { label: 'dot-dot', value: '..' },
  { label: 'encoded traversal', value: '..%2F..%2F..%2Fetc%2Fpasswd' },
  { label: 'double-encoded traversal', value: '..%252F..%252Fetc%252Fpasswd' },
  { label: 'encoded dots traversal', value: '%2e%2e%2f%2e%2e%2fetc%2fpasswd' },
  { label: 'backslash traversal', value: '..%5C..%5Cwindows%5Cwin.ini' },
  { label: 'overlong UTF-8 dots', value: '%C0%AE%C0%AE%C0%AF' },
  { label: 'malformed escape', value: '%zz' },
  { label: 'lone percent', value: '%' },
  { label: 'lone surrogate (CESU)', value: '%ED%A0%80' },
  { label: 'emoji', value: '%F0%9F%93%BA' },
  { label: 'script', value: '%3Cscript%3Ealert(1)%3C%2Fscript%3E' },
  { label: 'SQL', value: "1'%20OR%20'1'%3D'1" },
  { label: '300 characters', value: '9'.repeat(300) },
];

/**
 * Spellings of an existing id that a loose `Number(…)` reads as that id. The documented
 * parameter pattern is `^\d+$`, so only the zero-padded one is a valid spelling.
 */
export function equivalentPathPieces(id: number): PathPiece[] {
  return [
    { label: `${id} zero-padded`, value: `0${id}` },
    { label: `${id}.0`, value: `${id}.0` },
    { label: `${id}e0`, value: `${id}e0` },
    { label: `${id} in hex`, value: `0x${id.toString(16)}` },
    { label: `${id} in binary`, value: `0b${id.toString(2)}` },
    { label: `+${id}`, value: `%2B${id}` },
    { label: `space-${id}`, value: `%20${id}` },
    { label: `${id}-newline`, value: `${id}%0A` },
    { label: `${id}-NUL`, value: `${id}%00` },
  ];
}

/**
 * Values for query parameters (raw: the walk percent-encodes them). Every query parameter
 * gets all of them, times or not: a number parameter must survive a date and the reverse.
 */
export function hostileQueryValues(nowMs: number): Array<Labelled<string>> {
  const iso = (ms: number) => new Date(ms).toISOString();
  return [
    { label: 'empty', value: '' },
    { label: 'space', value: ' ' },
    { label: '1e308', value: '1e308' },
    { label: '-1', value: '-1' },
    { label: '0', value: '0' },
    { label: '-0', value: '-0' },
    { label: '2^53+1', value: '9007199254740993' },
    { label: '20 digits', value: '99999999999999999999' },
    { label: 'NaN', value: 'NaN' },
    { label: 'Infinity', value: 'Infinity' },
    { label: '-Infinity', value: '-Infinity' },
    { label: '1.5', value: '1.5' },
    { label: '0x10', value: '0x10' },
    { label: '1e-7', value: '1e-7' },
    { label: 'year 2100', value: '2100-01-01T00:00:00Z' },
    { label: 'year 2100 in ms', value: '4102444800000' },
    { label: 'year 0', value: '0000-01-01T00:00:00Z' },
    { label: 'year 275760 (Date max)', value: '+275760-09-13T00:00:00.000Z' },
    { label: 'past Date max in ms', value: '8640000000000001' },
    { label: 'year -271821 (Date min)', value: '-271821-04-20T00:00:00.000Z' },
    { label: '+150 days', value: iso(nowMs + 150 * DAY_MS) },
    { label: '+150 days in ms', value: String(nowMs + 150 * DAY_MS) },
    { label: '-10 years', value: iso(nowMs - 3652 * DAY_MS) },
    { label: '-10 years in ms', value: String(nowMs - 3652 * DAY_MS) },
    { label: 'impossible date', value: '2024-02-30T25:61:61Z' },
    { label: 'word', value: 'yesterday' },
    { label: 'NUL', value: '\u0000' },
    { label: 'control characters', value: '\u0001\u001b[31m\u007f' },
    { label: 'header injection', value: '\r\nX-Injected: 1' },
    { label: 'traversal', value: '../../etc/passwd' },
    { label: 'encoded traversal (sent double-encoded)', value: '..%2F..%2Fetc%2Fpasswd' },
    { label: 'absolute path', value: '/etc/passwd' },
    { label: 'script', value: '<script>alert(1)</script>' },
    { label: 'SQL', value: "' OR 1=1 --" },
    { label: 'ffmpeg expansion', value: '%{pts}' },
    { label: 'template', value: '${7*7}{{7*7}}' },
    { label: 'lone surrogate', value: '\uD800' },
    { label: 'right-to-left override', value: '\u202Egnp.exe' },
    { label: 'true', value: 'true' },
    { label: 'null', value: 'null' },
    { label: 'JSON array', value: '[1,2]' },
    { label: '8 KB string', value: 'a'.repeat(8 * 1024) },
  ];
}

/**
 * Query strings whose shape is hostile, whatever the values (`{p}`: the parameter's name):
 * repeated, array and object syntax, prototype keys, no value, many parameters.
 */
export function hostileQueryShapes(parameter: string): Array<Labelled<string>> {
  const p = encodeURIComponent(parameter);
  return [
    { label: 'repeated', value: `${p}=1&${p}=2` },
    { label: 'array syntax', value: `${p}[]=1&${p}[]=2` },
    { label: 'object syntax', value: `${p}[a]=1` },
    { label: 'no value', value: p },
    { label: '__proto__', value: `__proto__[${p}]=1&${p}=1` },
    { label: 'constructor.prototype', value: `constructor[prototype][${p}]=1` },
    { label: 'encoded ampersand', value: `${p}=1%26admin%3Dtrue` },
    { label: '1000 parameters', value: Array.from({ length: 1000 }, (_, i) => `x${i}=${i}`).join('&') },
  ];
}

/** A JSON value to put in a body field, or raw JSON text where JavaScript cannot hold it. */
export type JsonPiece = { json: unknown } | { raw: string };

function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** Values for every body field: numbers at and past every edge, far dates, strings, shapes. */
export function hostileJsonValues(nowMs: number): Array<Labelled<JsonPiece>> {
  const iso = (ms: number) => new Date(ms).toISOString();
  const json = (label: string, value: unknown): Labelled<JsonPiece> => ({ label, value: { json: value } });
  const raw = (label: string, value: string): Labelled<JsonPiece> => ({ label, value: { raw: value } });
  return [
    json('1e308', 1e308),
    json('-1e308', -1e308),
    raw('1e400 (parses as Infinity)', '1e400'),
    raw('-1e400', '-1e400'),
    json('-1', -1),
    json('0', 0),
    raw('-0', '-0'),
    raw('2^53+1', '9007199254740993'),
    json('1.5', 1.5),
    json('5e-324', 5e-324),
    json('"NaN"', 'NaN'),
    json('"Infinity"', 'Infinity'),
    json('"1"', '1'),
    json('empty string', ''),
    json('space', ' '),
    json('NUL', '\u0000'),
    json('control characters', '\u0001\u0008\u001b[31m\u007f\u0085'),
    json('M3U injection', 'x\r\n#EXTINF:-1,Injected\r\nhttp://203.0.113.9/evil.ts'),
    json('XML breaker', '</display-name><script>alert(1)</script><![CDATA[x]]>&amp;'),
    json('ffmpeg expansion', "%{pts}%{eif:1:d}\\:'"),
    json('traversal', '../../../../etc/passwd'),
    json('encoded traversal', '..%2F..%2Fetc%2Fpasswd'),
    json('absolute path', '/etc/passwd'),
    json('Windows path', 'C:\\Windows\\win.ini'),
    json('SQL', "'; DROP TABLE channels; --"),
    raw('lone surrogate', '"\\ud800"'),
    json('right-to-left override', '\u202Egnp.exe'),
    json('year 2100', '2100-01-01T00:00:00Z'),
    json('year 0', '0000-01-01T00:00:00Z'),
    json('+150 days', iso(nowMs + 150 * DAY_MS)),
    json('-10 years', iso(nowMs - 3652 * DAY_MS)),
    json('year 2100 in ms', 4102444800000),
    json('1 MB string', 'a'.repeat(MEGABYTE_STRING_LENGTH)),
    json('null', null),
    json('true', true),
    json('false', false),
    json('empty array', []),
    json('empty object', {}),
    json('array of numbers', [1, 2, 3]),
    json('object', { a: 1 }),
    raw('__proto__ object', '{"__proto__":{"polluted":true}}'),
    raw('constructor.prototype object', '{"constructor":{"prototype":{"polluted":true}}}'),
    raw('nested 10 000 deep', nested(10_000)),
    raw('array of 200 000 numbers', `[${Array(200_000).fill('0').join(',')}]`),
    raw('object of 20 000 keys', `{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`),
  ];
}

/** A request body as it goes on the wire. `contentType: null`: no Content-Type header. */
export interface RawBody {
  contentType: string | null;
  body: Buffer | string;
  headers?: Record<string, string>;
}

/**
 * Whole bodies that are not the JSON object asked for: malformed, duplicated keys, prototype
 * keys, deep, oversized, the wrong content type or none. `valid`: the operation's valid body
 * (JSON text), for the cases that wrap or repeat it.
 */
export function hostileBodies(valid: string): Array<Labelled<RawBody> & { oversized?: boolean }> {
  const json = 'application/json';
  const firstKey = /^\{"([^"]+)"/.exec(valid)?.[1];
  const withKey = (extra: string) => (valid === '{}' ? `{${extra}}` : `{${extra},${valid.slice(1)}`);
  const cases: Array<Labelled<RawBody> & { oversized?: boolean }> = [
    { label: 'truncated JSON', value: { contentType: json, body: valid.slice(0, Math.max(1, Math.floor(valid.length / 2))) } },
    { label: 'lone brace', value: { contentType: json, body: '{' } },
    { label: 'trailing garbage', value: { contentType: json, body: `${valid}garbage` } },
    { label: 'single quotes', value: { contentType: json, body: valid.replace(/"/g, "'") } },
    { label: 'trailing comma', value: { contentType: json, body: valid === '{}' ? '{,}' : `${valid.slice(0, -1)},}` } },
    { label: 'byte-order mark', value: { contentType: json, body: `\uFEFF${valid}` } },
    { label: 'NaN literal', value: { contentType: json, body: 'NaN' } },
    { label: 'empty body', value: { contentType: json, body: '' } },
    { label: 'null', value: { contentType: json, body: 'null' } },
    { label: 'array', value: { contentType: json, body: `[${valid}]` } },
    { label: 'string', value: { contentType: json, body: JSON.stringify(valid) } },
    { label: 'number 1e308', value: { contentType: json, body: '1e308' } },
    { label: '__proto__ key', value: { contentType: json, body: withKey('"__proto__":{"polluted":true}') } },
    { label: 'constructor.prototype key', value: { contentType: json, body: withKey('"constructor":{"prototype":{"polluted":true}}') } },
    { label: 'nested 100 000 deep', value: { contentType: json, body: nested(100_000) } },
    { label: 'objects nested 50 000 deep', value: { contentType: json, body: `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}` } },
    { label: 'over 1 MiB', value: { contentType: json, body: withKey(`"padding":"${'x'.repeat(1024 * 1024 + 16)}"`) }, oversized: true },
    { label: '8 MiB', value: { contentType: json, body: withKey(`"padding":"${'x'.repeat(8 * 1024 * 1024)}"`) }, oversized: true },
    { label: 'text/plain', value: { contentType: 'text/plain', body: valid } },
    { label: 'form', value: { contentType: 'application/x-www-form-urlencoded', body: 'message=x&priority=5' } },
    { label: 'multipart', value: { contentType: 'multipart/form-data; boundary=x', body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n' } },
    { label: 'application/xml', value: { contentType: 'application/xml', body: '<a>1</a>' } },
    { label: 'JSON as UTF-16', value: { contentType: 'application/json; charset=utf-16', body: Buffer.from(`\uFEFF${valid}`, 'utf16le') } },
    { label: 'no content type', value: { contentType: null, body: valid } },
    { label: 'gzip', value: { contentType: json, body: gzipSync(valid), headers: { 'content-encoding': 'gzip' } } },
    { label: 'gzip bomb (10 MB of spaces, 10 KB sent)', value: { contentType: json, body: gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20)), headers: { 'content-encoding': 'gzip' } } },
  ];
  if (firstKey) {
    // Duplicate keys: the hostile value last (it wins in JSON.parse) and first (it loses).
    cases.push({ label: 'duplicate key, hostile last', value: { contentType: json, body: `${valid.slice(0, -1)},"${firstKey}":{"x":[null]}}` } });
    cases.push({ label: 'duplicate key, hostile first', value: { contentType: json, body: `{"${firstKey}":{"x":[null]},${valid.slice(1)}` } });
  }
  return cases;
}

/** Hostile pieces for the stream and tuner URLs: segment names, rung names, channel files. */
export const HOSTILE_SEGMENT_NAMES: PathPiece[] = [
  { label: 'no such segment', value: 'r1-999999.ts' },
  { label: 'huge numbers', value: 'r99999999999999999999-99999999999999999999.ts' },
  { label: 'negative', value: 'r-1--1.ts' },
  { label: 'traversal', value: '..%2F..%2F..%2Fetc%2Fpasswd' },
  { label: 'traversal to the data folder', value: '..%2F..%2Fadmin-token' },
  { label: 'segment traversal', value: '..%2Fr1-1.ts' },
  { label: 'NUL in the name', value: 'r1-1.ts%00.m3u8' },
  { label: 'playlist name', value: 'index.m3u8' },
  { label: 'variant with capitals', value: 'LOW.m3u8' },
  { label: 'variant traversal', value: '..%2Flow.m3u8' },
  { label: 'dot-dot', value: '..' },
  { label: 'malformed escape', value: '%zz' },
  { label: '300 characters', value: `r${'1'.repeat(300)}.ts` },
];
