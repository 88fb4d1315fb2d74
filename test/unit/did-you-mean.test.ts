import { describe, expect, it } from 'vitest';
import { closestMatch, didYouMean, editDistance } from '../../src/config/did-you-mean.js';

describe('did you mean', () => {
  it('counts a swap of two neighbours as one slip', () => {
    expect(editDistance('opneai', 'openai')).toBe(1);
    expect(editDistance('helth', 'health')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests the closest name within two slips (one for short words), ignoring case', () => {
    expect(closestMatch('helth', ['help', 'health', 'status'])).toBe('health');
    expect(closestMatch('nwo', ['now', 'list', 'restore'])).toBe('now');
    expect(closestMatch('LITELM', ['api', 'litellm'])).toBe('litellm');
    expect(closestMatch('frobnicate', ['health', 'help'])).toBeUndefined();
    // Two slips in a three-letter word is a different word, not a typo.
    expect(closestMatch('xyz', ['api'])).toBeUndefined();
    expect(closestMatch('', ['api'])).toBeUndefined();
  });

  it('is a sentence to append, or nothing', () => {
    expect(didYouMean('helth', ['health'], '/')).toBe(' Did you mean /health?');
    expect(didYouMean('zzz', ['health'])).toBe('');
  });
});
