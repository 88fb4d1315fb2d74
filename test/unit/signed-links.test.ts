import { describe, expect, it } from 'vitest';
import { readRuntimeEnv } from '../../src/config/env.js';
import { DEFAULT_LINK_TTL_MS, linkSecret, postmortemPath, sign, signedUrl, verify } from '../../src/web/signed-links.js';

const SECRET = 'k'.repeat(40);
const now = new Date('2026-11-25T10:30:00Z');
const query = (url: string) => new URL(url, 'http://x').searchParams;

describe('signed links', () => {
  it('sign → path?exp=<unix seconds>&sig=<base64url HMAC-SHA256>, verified until it expires', () => {
    const link = sign('/incidents/INC-7/postmortem.md', new Date('2026-12-02T10:30:00Z'), SECRET);
    expect(link).toMatch(/^\/incidents\/INC-7\/postmortem\.md\?exp=1796207400&sig=[A-Za-z0-9_-]{43}$/);
    expect(verify('/incidents/INC-7/postmortem.md', query(link), SECRET, now)).toEqual({ ok: true, expiresAt: new Date('2026-12-02T10:30:00Z') });
  });

  it('a link to another path, a changed expiry or signature, or another secret is tampered', () => {
    const q = query(sign('/incidents/INC-7/postmortem.md', new Date('2026-12-02T10:30:00Z'), SECRET));
    expect(verify('/incidents/INC-8/postmortem.md', q, SECRET, now)).toMatchObject({ ok: false, reason: 'tampered' });
    const later = new URLSearchParams(q);
    later.set('exp', String(Number(q.get('exp')) + 3600));
    expect(verify('/incidents/INC-7/postmortem.md', later, SECRET, now)).toMatchObject({ ok: false, reason: 'tampered' });
    const flipped = new URLSearchParams(q);
    const sig = q.get('sig')!;
    flipped.set('sig', `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`);
    expect(verify('/incidents/INC-7/postmortem.md', flipped, SECRET, now)).toMatchObject({ ok: false, reason: 'tampered' });
    expect(verify('/incidents/INC-7/postmortem.md', q, 'x'.repeat(40), now)).toMatchObject({ ok: false, reason: 'tampered' });
  });

  it('only the canonical spelling of the signature opens the link (the ignored bits of its last character count)', () => {
    const link = sign('/incidents/INC-7/postmortem.md', new Date('2026-12-02T10:30:00Z'), SECRET);
    const q = query(link);
    const sig = q.get('sig')!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(sig.at(-1)!);
    // The last of 43 characters holds 4 bits of the MAC in its top bits; its low 2 bits are padding.
    const spellings = [0, 1, 2, 3].map((low) => `${sig.slice(0, -1)}${alphabet[(last & ~3) | low]}`);
    expect(new Set(spellings.map((s) => Buffer.from(s, 'base64url').toString('hex'))).size).toBe(1);
    const accepted = spellings.filter((s) => {
      const other = new URLSearchParams(q);
      other.set('sig', s);
      return verify('/incidents/INC-7/postmortem.md', other, SECRET, now).ok;
    });
    expect(accepted).toEqual([sig]);
  });

  it('unsigned and expired links say so in one sentence; an expired signature is still checked first', () => {
    expect(verify('/incidents/INC-7/postmortem.md', new URLSearchParams(), SECRET, now)).toEqual({ ok: false, reason: 'unsigned', message: 'This link is not signed: open the link Firebreak posted in chat.' });
    const q = query(sign('/incidents/INC-7/postmortem.md', new Date('2026-11-25T10:00:00Z'), SECRET));
    const r = verify('/incidents/INC-7/postmortem.md', q, SECRET, now);
    expect(r).toMatchObject({ ok: false, reason: 'expired' });
    expect(!r.ok && r.message).toBe('This link expired at 2026-11-25 10:00:00 UTC: ask for a fresh one in chat (/incident postmortem posts the draft\'s link again).');
  });

  it('signedUrl puts the public base in front and expires in 7 days by default', () => {
    const url = signedUrl('https://firebreak.example.com/', postmortemPath('INC 7/x'), SECRET, now);
    expect(url.startsWith('https://firebreak.example.com/incidents/INC%207%2Fx/postmortem.md?exp=')).toBe(true);
    expect(Number(new URL(url).searchParams.get('exp')) * 1000).toBe(now.getTime() + DEFAULT_LINK_TTL_MS);
    expect(() => sign('/a?b=1', now, SECRET)).toThrow(/no query/);
  });

  it('FIREBREAK_LINK_SECRET is used as it is; without it the store is asked once and remembered', async () => {
    expect(await linkSecret(SECRET, { getOrCreate: () => Promise.reject(new Error('not asked')) })()).toBe(SECRET);
    const asked: string[] = [];
    let fail = true;
    const secret = linkSecret(undefined, {
      async getOrCreate(candidate) {
        asked.push(candidate);
        if (fail) throw new Error('store down');
        return 'stored-secret-stored-secret-stored-secret';
      },
    });
    await expect(secret()).rejects.toThrow('store down');
    fail = false;
    expect(await secret()).toBe('stored-secret-stored-secret-stored-secret');
    expect(await secret()).toBe('stored-secret-stored-secret-stored-secret');
    expect(asked).toHaveLength(2);
    expect(asked[1]).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('FIREBREAK_PUBLIC_URL and FIREBREAK_LINK_SECRET', () => {
  it('default to http://localhost:PORT and a stored secret', () => {
    expect(readRuntimeEnv({ PORT: '8080' })).toMatchObject({ publicUrl: 'http://localhost:8080', linkSecret: undefined });
    expect(readRuntimeEnv({ FIREBREAK_PUBLIC_URL: 'https://fb.example.com/ops/', FIREBREAK_LINK_SECRET: SECRET }).publicUrl).toBe('https://fb.example.com/ops');
  });

  it('refuse a URL that is not http(s) and a short secret, without printing the secret', () => {
    expect(() => readRuntimeEnv({ FIREBREAK_PUBLIC_URL: 'fb.example.com' })).toThrow('FIREBREAK_PUBLIC_URL must be an http(s) URL without query, such as https://firebreak.example.com, got "fb.example.com".');
    expect(() => readRuntimeEnv({ FIREBREAK_LINK_SECRET: 'hunter2-hunter2' })).toThrow('FIREBREAK_LINK_SECRET must be at least 32 characters (e.g. the output of openssl rand -base64 32), got 15 characters.');
  });
});
