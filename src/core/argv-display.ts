/**
 * Shows an argv as a person would type it, quoting where needed. For display only: argv is
 * always executed as an array, never through a shell.
 */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (a === '' ? "''" : /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
