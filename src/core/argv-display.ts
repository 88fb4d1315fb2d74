import type { Redactor } from './redact.js';

/**
 * Shows an argv as a person would type it, quoting where needed. For display only: argv is
 * always executed as an array, never through a shell.
 */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (a === '' ? "''" : /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * An argv to show in chat: each argument masked on its own, then quoted. Masking the quoted line
 * instead would read the shell's quoting as part of a value (and a secret's quote as the end of it).
 */
export function displayArgv(argv: readonly string[], redactor: Redactor): string {
  return formatArgv(redactor.redactArgv(argv));
}
