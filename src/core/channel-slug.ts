/**
 * Letters that Unicode does not decompose into a base letter plus marks, so NFKD alone would turn
 * them into dashes ("Straße" → "stra-e"). Lowercase only: the text is lowercased first.
 */
const LATIN_EXTRAS: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', ł: 'l', þ: 'th', ı: 'i', ħ: 'h' };

/** A channel name a person asked for was not usable at all; the message says why. */
export class ChannelNameError extends Error {
  override name = 'ChannelNameError';
}

/**
 * What both Slack and Discord accept in a channel name: lowercase a-z, 0-9, `-` and `_`, at most
 * `max` chars, with at least one letter or digit (Slack refuses names of only punctuation).
 * Accented letters lose their accents ("Café" → "cafe"), full-width and compatibility forms
 * become their plain letters; anything else (spaces, emoji, other scripts) becomes a dash, and
 * runs of dashes collapse. Empty when nothing usable is left.
 */
export function channelSlug(desired: string, max: number): string {
  const folded = desired
    .normalize('NFKD')
    .toLowerCase()
    .replace(/\p{M}+/gu, '')
    .replace(/[ßæœøđðłþıħ]/g, (ch) => LATIN_EXTRAS[ch] ?? '-');
  const slug = folded.replace(/[^a-z0-9_-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+/, '');
  const cut = slug.slice(0, max).replace(/-+$/, '');
  return /[a-z0-9]/.test(cut) ? cut : '';
}

/** `base` with `-n` appended, the base shortened so the whole stays within `max`. */
export function withNumberSuffix(base: string, n: number, max: number): string {
  const suffix = `-${n}`;
  return `${base.slice(0, max - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/** The sentence for a name with nothing usable in it (only emoji, punctuation or another script). */
export function unusableNameMessage(desired: string, platform: string): string {
  return `"${desired}" has no letter or digit that can go into a ${platform} channel name (a-z, 0-9, - and _): add some, e.g. "inc-checkout".`;
}
