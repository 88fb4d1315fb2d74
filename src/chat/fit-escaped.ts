/**
 * `text` escaped for a platform and at most `max` characters: when the escaped text is too long,
 * the raw text is cut (with an ellipsis) as little as needed for its escaped form to fit, so an
 * entity or an escape is never cut in half.
 */
export function fitEscaped(text: string, max: number, escape: (s: string) => string): string {
  const whole = escape(text);
  if (whole.length <= max) return whole;
  // Escaping only ever lengthens text, and the longer the prefix the longer its escaped form.
  let lo = 0;
  let hi = Math.min(text.length - 1, max - 1);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (escape(`${text.slice(0, mid)}…`).length <= max) lo = mid;
    else hi = mid - 1;
  }
  return escape(`${text.slice(0, lo)}…`);
}
