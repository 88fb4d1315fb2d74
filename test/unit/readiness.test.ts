import { describe, expect, it } from 'vitest';
import { readyFor, runReadiness, type Readiness } from '../../src/http/core-routes.js';

const pass = (name: string, degradesOnly?: boolean): Readiness => ({ name, check: async () => {}, ...(degradesOnly ? { degradesOnly } : {}) });
const fail = (name: string, degradesOnly?: boolean): Readiness => ({ name, check: async () => Promise.reject(new Error(`${name} is down`)), ...(degradesOnly ? { degradesOnly } : {}) });

describe('readiness: which failing checks take a replica out of traffic', () => {
  it('Redis down only degrades: still ready, the failing check named and marked', async () => {
    const results = await runReadiness([pass('store'), fail('redis', true), pass('chat')]);
    expect(readyFor(results)).toBe(true);
    expect(results).toContainEqual({ name: 'redis', ok: false, error: 'redis is down', degradesOnly: true });
  });

  it('the store down is not ready, whatever else passes', async () => {
    expect(readyFor(await runReadiness([fail('store'), pass('redis', true)]))).toBe(false);
    expect(readyFor(await runReadiness([pass('store'), pass('redis', true)]))).toBe(true);
  });
});
