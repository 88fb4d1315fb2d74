/** The range a json or command check holds a number to. */
export interface Range {
  min?: number | undefined;
  max?: number | undefined;
}

/** "expected ≥ 2", "expected ≤ 1000", "expected between 1 and 5". */
export function describeRange(r: Range): string {
  if (r.min !== undefined && r.max !== undefined) return `expected between ${r.min} and ${r.max}`;
  if (r.min !== undefined) return `expected ≥ ${r.min}`;
  return `expected ≤ ${r.max}`;
}

export function inRange(n: number, r: Range): boolean {
  return (r.min === undefined || n >= r.min) && (r.max === undefined || n <= r.max);
}

export function hasRange(r: Range): boolean {
  return r.min !== undefined || r.max !== undefined;
}
