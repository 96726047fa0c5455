/**
 * The small template language of lower thirds and cards, so users change the wording without
 * code: `{field}` is replaced by its value; a part in `[brackets]` is left out when a field
 * inside it is empty (so `[S{season} E{episode} · ]{title}` reads "Pilot" for a file with no
 * episode number instead of "S E · Pilot"). `\[`, `\]`, `\{` and `\}` are literal brackets.
 */
export const TEMPLATE_FIELDS = ['show', 'title', 'season', 'episode', 'year', 'channel', 'call_sign', 'next_title', 'next_start', 'time'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];
export type TemplateValues = Partial<Record<TemplateField, string | number | undefined>>;

type Token = { literal: string } | { field: string } | { group: Token[] };

function tokenize(template: string): Token[] {
  const root: Token[] = [];
  const stack: Token[][] = [root];
  let literal = '';
  const flush = () => {
    if (literal) stack[stack.length - 1]!.push({ literal });
    literal = '';
  };
  for (let i = 0; i < template.length; i += 1) {
    const c = template[i]!;
    if (c === '\\' && i + 1 < template.length) {
      literal += template[i + 1];
      i += 1;
    } else if (c === '{') {
      const end = template.indexOf('}', i);
      if (end < 0) throw new Error(`"{" at ${i} is not closed`);
      flush();
      stack[stack.length - 1]!.push({ field: template.slice(i + 1, end).trim() });
      i = end;
    } else if (c === '[') {
      flush();
      const group: Token[] = [];
      stack[stack.length - 1]!.push({ group });
      stack.push(group);
    } else if (c === ']') {
      if (stack.length === 1) throw new Error(`"]" at ${i} has no "["`);
      flush();
      stack.pop();
    } else literal += c;
  }
  if (stack.length > 1) throw new Error('a "[" is not closed');
  flush();
  return root;
}

function fieldsOf(tokens: Token[]): string[] {
  return tokens.flatMap((t) => ('field' in t ? [t.field] : 'group' in t ? fieldsOf(t.group) : []));
}

/** Why a template cannot be used (unbalanced brackets, unknown field), or undefined. */
export function templateProblem(template: string): string | undefined {
  try {
    const unknown = fieldsOf(tokenize(template)).filter((f) => !(TEMPLATE_FIELDS as readonly string[]).includes(f));
    return unknown.length ? `unknown field(s) ${unknown.map((f) => `{${f}}`).join(', ')}` : undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Text that is safe to hand to drawtext: control characters (newlines, tabs, bidi overrides
 * that could hide text) become spaces, runs of spaces collapse. Escaping for ffmpeg's filter
 * syntax is not done here: drawtext() does it, in one place.
 */
export function cleanText(value: string): string {
  return value
    .replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function valueOf(values: TemplateValues, field: string): string {
  const value = values[field as TemplateField];
  return value === undefined || value === null ? '' : cleanText(String(value));
}

function render(tokens: Token[], values: TemplateValues): { text: string; complete: boolean } {
  let text = '';
  let complete = true;
  for (const token of tokens) {
    if ('literal' in token) text += token.literal;
    else if ('field' in token) {
      const value = valueOf(values, token.field);
      if (!value) complete = false;
      text += value;
    } else {
      const inner = render(token.group, values);
      if (inner.complete) text += inner.text;
    }
  }
  return { text, complete };
}

/** The template with its fields filled in; a template that does not parse renders as ''. */
export function renderTemplate(template: string, values: TemplateValues): string {
  try {
    return cleanText(render(tokenize(template), values).text);
  } catch {
    return '';
  }
}
