import { describe, expect, it } from 'vitest';
import { cut, duration, oneLine, type DurationStyle } from '../../src/core/text-format.js';

const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;

describe('cut', () => {
  it('keeps text that fits and ends cut text with "…" within the limit', () => {
    expect(cut('abc', 3)).toBe('abc');
    expect(cut('', 1)).toBe('');
    expect(cut('abcdef', 4)).toBe('abc…');
    expect(cut('abcdef', 1)).toBe('…');
  });

  it('never splits a surrogate pair (an emoji) in half', () => {
    // "ab😀cd" is 6 code units; the emoji is units 2 and 3.
    expect(cut('ab😀cd', 4)).toBe('ab…');
    expect(cut('ab😀cd', 5)).toBe('ab😀…');
    for (let max = 1; max <= 12; max++) {
      const out = cut('🔥'.repeat(6), max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }
  });
});

describe('oneLine', () => {
  it('folds whitespace runs and line breaks into single spaces and trims the ends', () => {
    expect(oneLine('  api\n\tdown   again ', 50)).toBe('api down again');
    expect(oneLine('a\u00a0b\r\nc', 50)).toBe('a b c');
    expect(oneLine('already one line', 50)).toBe('already one line');
  });

  it('cuts the folded text to the limit', () => {
    expect(oneLine('deploy\n\nfailed on api', 12)).toBe('deploy fail…');
    expect(oneLine('deploy failed on api', 12)).toBe('deploy fail…');
  });
});

describe('duration', () => {
  const cases: Record<DurationStyle, [number, string][]> = {
    // /run's reply: always tenths of a second.
    tenths: [[180, '180 ms'], [4230, '4.2 s'], [73_000, '73.0 s']],
    // Deploy operations and timeouts: tenths under ten seconds, whole seconds after.
    seconds: [[180, '180 ms'], [4230, '4.2 s'], [10_000, '10 s'], [15_000, '15 s'], [95_400, '95 s']],
    // Backups and restores: minutes and seconds past a minute.
    elapsed: [[180, '180 ms'], [4230, '4.2 s'], [42_300, '42 s'], [190_000, '3 min 10 s']],
    // Post-mortem spans: truncated, never rounded up.
    span: [[179.6, '180 ms'], [4290, '4.2 s'], [190_999, '3 min 10 s'], [2 * H + 5 * MIN + 59_000, '2 h 05 min'], [D + 3 * H + 59 * MIN, '1 d 3 h']],
    // An alert's age: rounded to the unit a glance needs, never negative.
    age: [[44_600, '45 s'], [12 * MIN, '12 min'], [3 * H, '3 h'], [3 * H + 5 * MIN, '3 h 5 min'], [47 * H, '47 h'], [52 * H, '2 d 4 h'], [3 * D, '3 d'], [-5000, '0 s']],
    // TTA · TTM · TTR on the post-mortem card: one unit, minutes past a minute.
    'key-time': [[44_600, '45 s'], [95 * MIN, '95 min']],
    // Escalation: whole minutes, rounded down.
    escalation: [[14 * MIN + 59_999, '14 min'], [120 * MIN, '2 h 0 min'], [125 * MIN, '2 h 5 min'], [-1, '0 min']],
    // Retry-After: rounded up, at least a second.
    wait: [[0, '1 s'], [39_001, '40 s'], [89_999, '90 s'], [90_000, '2 min'], [270_000, '5 min']],
  };
  for (const [style, examples] of Object.entries(cases) as [DurationStyle, [number, string][]][]) {
    it(`writes the "${style}" style`, () => {
      expect(examples.map(([ms]) => duration(ms, style))).toEqual(examples.map(([, text]) => text));
    });
  }

  it('"seconds" writes every backup timeout (timeout_s 10 to 86400, in ms) as the whole-second text it replaced', () => {
    const differ: number[] = [];
    for (let s = 10; s <= 86_400; s++) if (duration(s * 1000, 'seconds') !== `${Math.round((s * 1000) / 1000)} s`) differ.push(s);
    expect(differ).toEqual([]);
  });
});
