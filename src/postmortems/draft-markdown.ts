import { stripBidiControls } from '../core/bidi.js';
import type { DraftInput } from './draft-input.js';
import { draftDocument, fitDocument, type Block, type DraftDocument, type Inline } from './draft-document.js';

/**
 * The draft as GitHub-flavoured Markdown. Every string in it came from chat, alerts or tools, and
 * the draft may be rendered on GitHub, so text cannot become markup there: Markdown punctuation is
 * backslash-escaped, `<`, `>` and `&` become entities (no HTML, no entity tricks), table pipes are
 * escaped, @mentions are put in code spans (GitHub would notify that person or team), and code
 * blocks use a fence longer than any run of backticks inside them.
 *
 * Built as an array of parts joined once: 50,000 timeline rows are 50,000 pushes, not a string
 * copied 50,000 times.
 */

/** A GitHub user or team mention: @name or @org/team, not an e-mail address. */
const MENTION = /(?<![A-Za-z0-9_.@/])@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9_.-]+)?/;
const SPECIAL = new RegExp(`${MENTION.source}|[\\\\\`*_[\\]|~$<>&]|\\r\\n?|\\n`, 'g');

function escapeChar(m: string): string {
  switch (m) {
    case '&':
      return '&amp;';
    case '<':
      return '&lt;';
    case '>':
      return '&gt;';
    default:
      if (m.length > 1 && m.startsWith('@')) return `\`${m}\``;
      if (m === '\n' || m.startsWith('\r')) return ' ';
      return `\\${m}`;
  }
}

/** Text as Markdown that shows exactly that text, inline (in a paragraph, list item or table cell). */
const ANY_SPECIAL = /[\\`*_[\]|~$<>&@\r\n]/;

export function escapeMarkdown(raw: string): string {
  const text = stripBidiControls(raw);
  return ANY_SPECIAL.test(text) ? text.replace(SPECIAL, escapeChar) : text;
}

/** A line that would start a heading, list, quote or rule is kept a plain line. */
function escapeLineStart(line: string): string {
  const m = /^(\d{1,9})([.)])/.exec(line);
  if (m) return `${m[1]}\\${line.slice(m[1]!.length)}`;
  return /^[#+=-]/.test(line) ? `\\${line}` : line;
}

function inline(parts: readonly Inline[]): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') out += escapeMarkdown(p);
    else if ('strong' in p) out += `**${escapeMarkdown(p.strong)}**`;
    else out += `[${escapeMarkdown(p.text)}](<${p.link.replace(/[<>\s]/g, encodeURIComponent)}>)`;
  }
  return escapeLineStart(out);
}

/** Backticks one longer than the longest run inside, at least three. */
export function fenceFor(text: string): string {
  let longest = 0;
  for (let i = text.indexOf('`'); i >= 0; ) {
    let j = i;
    while (text.charCodeAt(j) === 96) j++;
    longest = Math.max(longest, j - i);
    i = text.indexOf('`', j);
  }
  return '`'.repeat(Math.max(3, longest + 1));
}

function cell(text: string): string {
  return text === '' ? ' ' : escapeMarkdown(text);
}

function renderBlock(b: Block, out: string[]): void {
  switch (b.type) {
    case 'heading':
      // Every # escaped: a trailing one would otherwise be read as the heading's closing sequence.
      out.push(`${'#'.repeat(b.level)} ${escapeMarkdown(b.text).replace(/#/g, '\\#')}\n`);
      return;
    case 'paragraph':
      out.push(`${inline(b.content)}\n`);
      return;
    case 'bullets':
      for (const item of b.items) out.push(`- ${inline(item)}\n`);
      return;
    case 'tasks':
      for (const t of b.items) out.push(`- [${t.done ? 'x' : ' '}] ${escapeMarkdown(t.text)}\n`);
      return;
    case 'table':
      out.push(`| ${b.header.map(cell).join(' | ')} |\n`, `|${' --- |'.repeat(b.header.length)}\n`);
      for (const row of b.rows) out.push(`| ${row.map(cell).join(' | ')} |\n`);
      return;
    case 'code': {
      const code = stripBidiControls(b.text);
      const fence = fenceFor(code);
      out.push(`${fence}\n${code}\n${fence}\n`);
      return;
    }
    case 'prompt':
      // Our own words, never user text: shown while editing, hidden once rendered.
      if (b.hint) out.push(`<!-- ${b.hint.replace(/--/g, '—')} -->\n`);
  }
}

export function renderMarkdown(doc: DraftDocument): string {
  const out: string[] = [];
  doc.blocks.forEach((b, i) => {
    if (i > 0) out.push('\n');
    renderBlock(b, out);
  });
  return out.join('');
}

export interface DraftOptions {
  /**
   * At most this many characters (a GitHub issue body holds 65,536): rows and run details that do
   * not fit are left out, saying so and linking the full draft (input.draftUrl).
   */
  maxChars?: number;
}

/** The post-mortem draft of an incident, as Markdown, from what its timeline recorded. Pure. */
export function buildDraft(input: DraftInput, opts: DraftOptions = {}): string {
  const doc = draftDocument(input);
  if (opts.maxChars === undefined) return renderMarkdown(doc);
  const measure = (b: Block): number => {
    const out: string[] = ['\n'];
    renderBlock(b, out);
    return out.reduce((n, part) => n + part.length, 0);
  };
  // Each block is measured with the blank line before it; the first has none.
  return renderMarkdown(fitDocument(doc, opts.maxChars + 1, measure, input.draftUrl));
}
