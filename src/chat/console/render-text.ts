import { statusEmoji, type Reply } from '../../core/reply.js';

function pad(s: string, width: number): string {
  // Emoji and CJK take two columns in a terminal, but reply cells are ASCII-ish: length is close enough.
  return s + ' '.repeat(Math.max(0, width - [...s].length));
}

/** The console platform's renderer: the neutral Reply as plain text for a terminal. */
export function renderText(reply: Reply): string {
  const lines: string[] = [];
  const prefix = reply.status === 'error' || reply.status === 'pending' || reply.status === 'warning' ? `${statusEmoji[reply.status]} ` : '';
  lines.push(`${prefix}${reply.title}`);
  if (reply.rows && reply.rows.length > 0) {
    const widths: number[] = [];
    for (const row of reply.rows) row.cells.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
    for (const row of reply.rows) {
      const cells = row.cells.map((c, i) => (i === row.cells.length - 1 ? c : pad(c, widths[i] ?? 0)));
      lines.push(`  ${statusEmoji[row.status]} ${cells.join('   ')}`.trimEnd());
    }
  }
  for (const f of reply.fields ?? []) lines.push(`  ${f.label}: ${f.value}`);
  if (reply.text) lines.push(...reply.text.split('\n').map((l) => `  ${l}`));
  if (reply.code) {
    lines.push('  $ ' + reply.code.split('\n')[0]);
    for (const l of reply.code.split('\n').slice(1)) lines.push(`    ${l}`);
  }
  if (reply.context) lines.push(`  ${reply.context}`);
  if (reply.buttons && reply.buttons.length > 0) {
    lines.push(`  Buttons: ${reply.buttons.map((b) => `[${b.label}] ${b.actionId}`).join('   ')}`);
  }
  return lines.join('\n');
}
