import { mentionsFor, safeLinks, statusEmoji, type Reply } from '../../core/reply.js';

/**
 * A cell longer than this does not widen its column: it overflows on its own row. Otherwise one long
 * error ("timeout after 2000 ms", a 200-character message) pushes the rest of every other row far right.
 */
export const MAX_PADDED_CELL = 20;

function pad(s: string, width: number): string {
  // Emoji and CJK take two columns in a terminal, but reply cells are ASCII-ish: length is close enough.
  return s + ' '.repeat(Math.max(0, width - [...s].length));
}

/** The console platform's renderer: the neutral Reply as plain text for a terminal. */
export function renderText(reply: Reply): string {
  const lines: string[] = [];
  const prefix = reply.status === 'error' || reply.status === 'pending' || reply.status === 'warning' ? `${statusEmoji[reply.status]} ` : '';
  lines.push(`${prefix}${reply.title}`);
  const mentions = mentionsFor(reply, 'console');
  if (mentions.length > 0) lines.push(`  ${mentions.map((m) => `@${m.id}`).join(' ')}`);
  if (reply.rows && reply.rows.length > 0) {
    const widths: number[] = [];
    for (const row of reply.rows) {
      row.cells.forEach((c, i) => {
        const len = [...c].length;
        widths[i] = Math.max(widths[i] ?? 0, len <= MAX_PADDED_CELL ? len : 0);
      });
    }
    for (const row of reply.rows) {
      const cells = row.cells.map((c, i) => (i === row.cells.length - 1 ? c : pad(c, widths[i] ?? 0)));
      lines.push(`  ${statusEmoji[row.status]} ${cells.join('   ')}`.trimEnd());
    }
  }
  for (const f of reply.fields ?? []) lines.push(`  ${f.label}: ${f.value}`);
  if (reply.text) lines.push(...reply.text.split('\n').map((l) => `  ${l}`));
  // A block indented under the card, as Markdown would: a "$ " in front made a tool's first output
  // line ("$ Restarting litellm") look like a command someone typed.
  if (reply.code) for (const l of reply.code.split('\n')) lines.push(`    ${l}`.trimEnd());
  if (reply.context) lines.push(`  ${reply.context}`);
  if (reply.buttons && reply.buttons.length > 0) {
    lines.push(`  Buttons: ${reply.buttons.map((b) => `[${b.label}] ${b.actionId}`).join('   ')}`);
  }
  for (const l of safeLinks(reply)) lines.push(`  ${l.label}: ${l.url}`);
  return lines.join('\n');
}

/**
 * Progress for a terminal. A chat message is edited in place, but a terminal can only append, and
 * a running operation sends an update for every line of its output (with the same title): print
 * each new state once, as "… TITLE". The output itself comes with the result.
 */
export function progressPrinter(write: (line: string) => void): (reply: Reply) => void {
  let last: string | undefined;
  return (reply) => {
    const line = `… ${reply.title}`;
    if (line === last) return;
    last = line;
    write(line);
  };
}
