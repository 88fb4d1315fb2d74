import { describe, expect, it } from 'vitest';
import { MAX_KEY_BYTES, storableJson, storableKey, storableText } from '../../src/alerts/storable.js';

describe('alert text as the store can keep it', () => {
  it('removes NUL, replaces lone surrogates, keeps escaped-looking text and surrogate pairs', () => {
    expect(storableText('Disk\u0000Full\u0000')).toBe('DiskFull');
    expect(storableText('a\uD800b\uDC00c\uDBFF')).toBe('a\uFFFDb\uFFFDc\uFFFD');
    expect(storableText('\uDC00\uD800')).toBe('\uFFFD\uFFFD');
    expect(storableText('🔥 \\u0000 "\\u0000"')).toBe('🔥 \\u0000 "\\u0000"');
  });

  it('cleans every string and key of a JSON value, leaving numbers and null alone', () => {
    expect(storableJson({ 'a\u0000': ['x\u0000', 1, null, { '\uD800': 'y' }] })).toEqual({ a: ['x', 1, null, { '\uFFFD': 'y' }] });
  });

  it('keeps a key up to 1 KB; hashes a longer one behind a readable prefix, the same way each time', () => {
    const short = 'k'.repeat(MAX_KEY_BYTES);
    expect(storableKey(short)).toBe(short);
    const long = `${'é'.repeat(600)}`; // 1200 bytes in UTF-8, 600 characters
    const stored = storableKey(long);
    expect(stored).toMatch(/^é{200}…sha256:[0-9a-f]{64}$/);
    expect(storableKey(long)).toBe(stored);
    expect(storableKey(`${long}!`)).not.toBe(stored);
    // A surrogate pair is never cut in half by the prefix.
    expect(storableKey('😀'.repeat(400))).toMatch(/^(😀){200}…sha256:/u);
  });
});
