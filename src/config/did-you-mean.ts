/**
 * Edit distance with adjacent transpositions (optimal string alignment): "opneai" is one slip
 * from "openai", not two, which is how people mistype.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate the person most likely meant, or undefined when none is close: at most two
 * slips, one for words of up to four letters (where two slips make "nwo" and "api" alike).
 * Case is ignored; the first of equally close candidates wins.
 */
export function closestMatch(typed: string, candidates: readonly string[]): string | undefined {
  const word = typed.toLowerCase();
  // Longer input than any name is a different word, and the distance table grows with it.
  if (word === '' || word.length > 64) return undefined;
  const limit = word.length <= 4 ? 1 : 2;
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(word, name.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** " Did you mean /health?" to append to an error sentence, or "" when nothing is close. */
export function didYouMean(typed: string, candidates: readonly string[], prefix = ''): string {
  const match = closestMatch(typed, candidates);
  return match === undefined ? '' : ` Did you mean ${prefix}${match}?`;
}
