import { describe, expect, it } from 'vitest';
import { enteredAfter } from '../../src/chat/console/entered-incident.js';

describe("the console's entered incident", () => {
  it('is set by /incident use (any spelling of the id), left by off, and kept by everything else', () => {
    expect(enteredAfter('/incident use inc-7', undefined)).toBe('INC-7');
    expect(enteredAfter('/incident use 8', 'INC-7')).toBe('INC-8');
    expect(enteredAfter('/incident use off', 'INC-7')).toBeUndefined();
    expect(enteredAfter('/rollback api', 'INC-7')).toBe('INC-7');
    expect(enteredAfter('/incident note "use INC-9"', 'INC-7')).toBe('INC-7');
  });
});
