/**
 * Pieces of error messages that quote what a client sent. A refusal often names what it refuses
 * (an unknown key, a bad value); a hostile request can make that megabytes, which an answer, a
 * log line or a control-room toast must never echo back. Here (config is imported by every
 * part, and imports none) so the config, the stores and the server word them alike.
 */

/** Text cut to `max` characters, saying how much was left out. */
export function bounded(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** The first few of a list, each cut short, and how many more there are. */
export function someOf(items: readonly string[], count = 10): string {
  const shown = items.slice(0, count).map((item) => bounded(item, 60));
  return items.length > count ? `${shown.join(', ')} and ${items.length - count} more` : shown.join(', ');
}
