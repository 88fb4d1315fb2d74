import { cut } from '../../core/text-format.js';

const MAX_LENGTH = 300;

/**
 * The one line of a failed tool's output that says what went wrong, for the summary sentence (the
 * whole output still goes to the card and the timeline). Not the last line: tools print context
 * after the error — psql follows "ERROR: syntax error at or near …" with "LINE 1: …" and a caret
 * under the fault, so the last line is often just "^". The first line naming an error wins, else
 * the first one with a letter or digit in it.
 */
export function failureLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const line = lines.find((l) => /\b(?:error|fatal|panic)\b/i.test(l)) ?? lines.find((l) => /[\p{L}\p{N}]/u.test(l)) ?? '';
  return cut(line, MAX_LENGTH);
}
