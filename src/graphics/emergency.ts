import { drawtext } from '../ffmpeg/drawtext.js';
import { FONTS } from '../ffmpeg/filter-text.js';
import { cleanText } from '../config/template-language.js';

/**
 * Emergency graphics for the alert system (issue 13): a full-screen alert card and a text
 * crawl, built with the same drawtext builder and the same renderer-time conventions as the
 * station graphics. Each returns a comma-separated filter chain for one video stream, so it
 * can go wherever a graphics fragment goes:
 *
 *     graphics: { filter: `[gin]setpts=PTS-STARTPTS,${buildCrawl(spec)}[gout]` }
 *
 * Times are seconds of the renderer's output (0 = its first frame); a window that began
 * before the renderer (a restart during an alert) is simply drawn for what is left of it.
 */

export type AlertType = 'emergency' | 'weather' | 'system' | 'custom';

export interface AlertStyle {
  /** Background of the card / crawl band. */
  background: string;
  /** Header bar and label. */
  accent: string;
  text: string;
  /** Card heading, e.g. "EMERGENCY ALERT". */
  heading: string;
}

/** Defaults by type: the red and amber of broadcast warnings; "technical difficulties" navy for system. */
export const ALERT_STYLES: Record<AlertType, AlertStyle> = {
  emergency: { background: '0x8b0000', accent: '0xffd400', text: '0xffffff', heading: 'EMERGENCY ALERT' },
  weather: { background: '0x7a3b00', accent: '0xffb000', text: '0xffffff', heading: 'WEATHER ALERT' },
  system: { background: '0x14213d', accent: '0xfca311', text: '0xffffff', heading: 'TECHNICAL DIFFICULTIES' },
  custom: { background: '0x14213d', accent: '0xfca311', text: '0xffffff', heading: 'SPECIAL BULLETIN' },
};

export interface FrameBox {
  width: number;
  height: number;
}

interface Common {
  frame: FrameBox;
  /** Renderer-time window of the element. */
  fromSeconds: number;
  toSeconds: number;
  /** Font file; default the built-in bold font. */
  fontFile?: string;
}

export interface CrawlSpec extends Common {
  text: string;
  /** Minimum speed in pixels per second; raised when needed so the text crosses at least twice. */
  speedPxPerSecond?: number;
  /** Label on the left of the band, e.g. "WEATHER ALERT"; empty = none. */
  label?: string;
  background?: string;
  color?: string;
  accent?: string;
  /** How many full passes the window must fit at least (default 2). */
  minPasses?: number;
}

export interface AlertCardSpec extends Common {
  type: AlertType;
  message: string;
  /** Shown as "Issued <issued>", already formatted in the channel's time zone. */
  issued?: string;
  style?: Partial<AlertStyle>;
}

const s = (seconds: number) => seconds.toFixed(3);
const since = (x: number) => (x < 0 ? `t+${s(-x)}` : `t-${s(x)}`);
const between = (from: number, to: number) => `between(t,${s(from)},${s(to)})`;

/**
 * The crawl: a band across the bottom with the message moving right to left. Its speed is
 * `max(speed, passes·(w+tw)/window)`, worked out by drawtext itself from the measured text
 * width (tw), so a long message always crosses the whole screen at least `minPasses` times in
 * its window however long it is; a short one moves at the chosen speed.
 */
export function buildCrawl(spec: CrawlSpec): string {
  const { width: W, height: H } = spec.frame;
  const font = { file: spec.fontFile ?? FONTS.bold ?? '' };
  const fontSize = Math.max(10, Math.round(H * 0.05));
  const bandHeight = 2 * Math.round(fontSize * 0.9);
  const bandY = Math.round(H * 0.94) - bandHeight;
  const window = Math.max(0.1, spec.toSeconds - spec.fromSeconds);
  const speed = spec.speedPxPerSecond ?? Math.max(60, Math.round(W / 8));
  const passes = spec.minPasses ?? 2;
  const enable = between(spec.fromSeconds, spec.toSeconds);
  const text = cleanText(spec.text);
  const label = cleanText(spec.label ?? '');
  const labelWidth = label ? Math.round(label.length * fontSize * 0.8 * 0.7 + fontSize) : 0;
  const background = spec.background ?? ALERT_STYLES.emergency.background;
  const accent = spec.accent ?? ALERT_STYLES.emergency.accent;
  const steps = [
    `drawbox=x=0:y=${bandY}:w=iw:h=${bandHeight}:color=${background}@0.92:t=fill:enable='${enable}'`,
    drawtext({
      text,
      x: `w-mod((${since(spec.fromSeconds)})*max(${speed},${passes}*(w+tw)/${s(window)}),w+tw)`,
      y: `${bandY}+(${bandHeight}-th)/2`,
      fontSize,
      color: spec.color ?? 'white',
      font,
      enable,
    }),
  ];
  // The label is drawn after the text so the crawl passes under it.
  if (label) {
    steps.push(
      `drawbox=x=0:y=${bandY}:w=${labelWidth}:h=${bandHeight}:color=${accent}@1:t=fill:enable='${enable}'`,
      drawtext({ text: label, x: String(Math.round(fontSize / 2)), y: `${bandY}+(${bandHeight}-th)/2`, fontSize: Math.round(fontSize * 0.8), color: 'black', font, enable }),
    );
  }
  return steps.join(',');
}

/** Splits a message into lines of at most `columns` characters, at spaces where it can. */
export function wrapText(text: string, columns: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of cleanText(text).split(' ')) {
    for (let rest = word; rest.length > 0; ) {
      const candidate = line ? `${line} ${rest}` : rest;
      if (candidate.length <= columns) {
        line = candidate;
        rest = '';
      } else if (line) {
        lines.push(line);
        line = '';
      } else {
        lines.push(rest.slice(0, columns));
        rest = rest.slice(columns);
      }
    }
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = `${kept[maxLines - 1]!.slice(0, Math.max(0, columns - 1))}…`;
    return kept;
  }
  return lines;
}

/** The full-screen alert card: a heading bar, the message (wrapped), and when it was issued. */
export function buildAlertCard(spec: AlertCardSpec): string {
  const { width: W, height: H } = spec.frame;
  const style = { ...ALERT_STYLES[spec.type], ...spec.style };
  const font = { file: spec.fontFile ?? FONTS.bold ?? '' };
  const enable = between(spec.fromSeconds, spec.toSeconds);
  const headingSize = Math.max(12, Math.round(H * 0.08));
  const bodySize = Math.max(10, Math.round(H * 0.055));
  const barHeight = Math.round(headingSize * 1.8);
  const margin = Math.round(W * 0.07);
  const columns = Math.max(10, Math.floor((W - 2 * margin) / (bodySize * 0.62)));
  const lines = wrapText(spec.message, columns, Math.max(1, Math.floor((H * 0.55) / (bodySize * 1.35))));
  const steps = [
    `drawbox=x=0:y=0:w=iw:h=ih:color=${style.background}@1:t=fill:enable='${enable}'`,
    `drawbox=x=0:y=${Math.round(H * 0.1)}:w=iw:h=${barHeight}:color=${style.accent}@1:t=fill:enable='${enable}'`,
    drawtext({ text: style.heading, x: '(w-tw)/2', y: `${Math.round(H * 0.1)}+(${barHeight}-th)/2`, fontSize: headingSize, color: 'black', font, enable }),
    ...lines.map((line, i) =>
      drawtext({ text: line, x: String(margin), y: String(Math.round(H * 0.1) + barHeight + Math.round(bodySize * 1.2) + Math.round(i * bodySize * 1.35)), fontSize: bodySize, color: style.text, font, enable }),
    ),
  ];
  if (spec.issued) {
    // Above the bottom fifth, which a crawl may use.
    steps.push(drawtext({ text: `Issued ${spec.issued}`, x: String(margin), y: `${Math.round(H * 0.78)}-th`, fontSize: Math.round(bodySize * 0.8), color: style.accent, font, enable }));
  }
  return steps.join(',');
}
