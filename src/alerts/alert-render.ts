import type { OutputProfile } from '../config/quality.js';
import type { AlertStyles } from '../config/schema.js';
import { escapeFilterValue } from '../ffmpeg/filter-text.js';
import { ALERT_STYLES, buildAlertCard, buildCrawl } from '../graphics/emergency.js';
import type { AiringAlert } from '../timeline/types.js';

/**
 * The attention tone: a three-note rising chime (C6, E6, G6), twice, 2.4 s in all. Deliberately
 * nothing like the EAS signals (SAME header bursts, the 853 + 960 Hz two-tone), which the law
 * reserves for real alerts and which can trigger real decoders; no SAME header is ever made.
 */
export const CHIME_SECONDS = 2.4;
const CHIME_NOTES_HZ = [1046.5, 1318.5, 1568.0];
const NOTE_SECONDS = 0.4;

/** aevalsrc expression of the chime at time T (seconds since the alert began), silence after it. */
export function chimeExpression(offsetSeconds: number): string {
  const T = `(t+${offsetSeconds.toFixed(3)})`;
  const phase = `mod(${T},${(NOTE_SECONDS * CHIME_NOTES_HZ.length).toFixed(1)})`;
  const frequency = `if(lt(${phase},${NOTE_SECONDS}),${CHIME_NOTES_HZ[0]},if(lt(${phase},${2 * NOTE_SECONDS}),${CHIME_NOTES_HZ[1]},${CHIME_NOTES_HZ[2]}))`;
  // Each note strikes and decays like a bell; the whole chime stops after CHIME_SECONDS.
  return `0.3*sin(2*PI*${frequency}*${T})*exp(-5*mod(${T},${NOTE_SECONDS}))*lt(${T},${CHIME_SECONDS})`;
}

export interface AlertCardOptions {
  alert: AiringAlert;
  profile: Pick<OutputProfile, 'width' | 'height' | 'frameRate' | 'audioSampleRate'>;
  /** Seconds into the alert where this renderer starts (a join, or a restart, mid-alert). */
  offsetSeconds: number;
  /** Seconds this renderer draws. */
  durationSeconds: number;
  /** The channel's zone, for "Issued 7:42 PM". */
  timeZone?: string;
  /** The operator's styles per type (`alerts.styles`), over the built-in ones. */
  styles?: AlertStyles;
}

/**
 * An alert as the picture and sound of a renderer, drawn with the graphics layer's emergency
 * card: emergency and weather get the full-screen card with the message, a crawl repeating it
 * along the bottom and the chime; system gets the "technical difficulties / please stand by"
 * card; custom gets the operator's text on a "special bulletin" card.
 */
export function alertCard(options: AlertCardOptions): { video: string; audio: string } {
  const { alert, profile } = options;
  const frame = { width: profile.width, height: profile.height };
  // Windows in this renderer's time: the card covers it all; the crawl runs on from where the
  // alert's crawl is (a joiner sees it mid-way), so it started `offset` seconds before t = 0.
  const until = options.durationSeconds + 1;
  const issued = new Date(alert.issuedAtMs).toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit', timeZone: options.timeZone });
  const message = alert.type === 'system' && !alert.message.trim() ? 'Please stand by' : alert.message;
  const style = { ...ALERT_STYLES[alert.type], ...options.styles?.[alert.type] };
  const steps = [
    `color=c=${style.background}:s=${profile.width}x${profile.height}:r=${profile.frameRate}`,
    'format=yuv420p',
    buildAlertCard({ type: alert.type, message: alert.type === 'system' ? `${message} — please stand by` : message, issued, frame, fromSeconds: 0, toSeconds: until, style }),
  ];
  if (alert.type === 'emergency' || alert.type === 'weather') {
    steps.push(buildCrawl({ text: alert.message, label: style.heading, frame, fromSeconds: -options.offsetSeconds, toSeconds: until, background: style.background, accent: style.accent, color: style.text }));
  }
  const chime = alert.type === 'emergency' || alert.type === 'weather' ? chimeExpression(options.offsetSeconds) : '0';
  return {
    video: steps.join(','),
    audio: `aevalsrc=exprs=${escapeFilterValue(`${chime}|${chime}`)}:s=${profile.audioSampleRate}:c=stereo`,
  };
}
