import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redactor } from '../../src/core/redact.js';
import { Router } from '../../src/http/router.js';
import { startHttpServer, type RunningServer } from '../../src/http/server.js';
import { registerPostmortemRoutes } from '../../src/http/postmortem-routes.js';
import type { DraftSource } from '../../src/postmortems/draft-source.js';
import type { DraftInput } from '../../src/postmortems/draft-input.js';
import { buildDraft } from '../../src/postmortems/draft-markdown.js';
import type { Db } from '../../src/store/db.js';
import { SqlLinkSecretRepository } from '../../src/store/link-secret-repository.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { linkSecret, postmortemPath, sign, signedUrl } from '../../src/web/signed-links.js';
import { silentLogger } from '../support/app.js';
import { createTestDatabase } from '../support/postgres.js';
import { scriptedIncident } from '../support/scripted-incident.js';
import { borrowStore } from '../support/store-pool.js';

describe('the link secret in the store', () => {
  it('is generated once: replicas racing on PostgreSQL all get the first one, and keep it', async () => {
    const t = await createTestDatabase('fb_links');
    const dbs: Db[] = [];
    try {
      for (let i = 0; i < 3; i++) dbs.push(await openPostgres(t.url));
      await migrate(dbs[0]!);
      const got = await Promise.all(dbs.map((db) => linkSecret(undefined, new SqlLinkSecretRepository(db))()));
      expect(new Set(got).size).toBe(1);
      expect(got[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // A restart (a new reader) finds the same secret, so links posted before it still open.
      expect(await linkSecret(undefined, new SqlLinkSecretRepository(dbs[1]!))()).toBe(got[0]);
    } finally {
      for (const db of dbs) await db.close();
      await t.drop();
    }
  });
});

/** A secret the config took from the environment, and two the redactor knows only by their shape. */
const ENV_SECRET = 'q7Zr_env_value_9f3k';
const GITHUB_TOKEN = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
const URL_PASSWORD = 'hunter2_in_url';

/** The scripted incident with secrets where they are stored as typed: title, action items, alert annotations. */
function withSecrets(input: DraftInput): DraftInput {
  return {
    ...input,
    incident: { ...input.incident, id: 'INC-SECRET', title: `checkout down, key ${ENV_SECRET}` },
    actionItems: [
      ...input.actionItems,
      { id: 'a-secret', incidentId: 'INC-SECRET', text: `rotate ${GITHUB_TOKEN} and postgres://app:${URL_PASSWORD}@db/x`, by: input.incident.declaredBy, at: input.now, done: false },
    ],
    alerts: input.alerts.map((g) => ({ ...g, commonAnnotations: { ...g.commonAnnotations, summary: `token=${ENV_SECRET}` } })),
  };
}

describe('GET /incidents/:id/postmortem.md over HTTP', () => {
  let db: Db;
  let server: RunningServer;
  let base: string;
  let secret: string;
  let input: DraftInput;
  let clock = new Date('2026-11-25T10:31:00Z');
  const loads: string[] = [];

  beforeAll(async () => {
    db = await borrowStore();
    input = await scriptedIncident();
    // A stand-in for the incident store: the lead wires the real one.
    const source: DraftSource = {
      async load(id) {
        loads.push(id);
        if (id === 'INC-SECRET') return withSecrets(input);
        return id === 'INC-7' ? input : null;
      },
    };
    const secretOf = linkSecret(undefined, new SqlLinkSecretRepository(db));
    secret = await secretOf();
    const router = new Router();
    registerPostmortemRoutes(router, { source, secret: secretOf, logger: silentLogger, redactor: new Redactor([ENV_SECRET]), now: () => clock });
    server = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.close();
    await db.close();
  });

  it('a signed link serves the latest draft as Markdown', async () => {
    const url = signedUrl(base, postmortemPath('INC-7'), secret, clock);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(await res.text()).toBe(buildDraft(input));
  });

  it('is masked like chat: secrets in the title, action items and alert annotations do not reach whoever holds the link', async () => {
    const res = await fetch(signedUrl(base, postmortemPath('INC-SECRET'), secret, clock));
    expect(res.status).toBe(200);
    const body = await res.text();
    // The unmasked draft would show them (in Markdown, escaped: ghp\_…, q7Zr\_env…).
    const unmasked = buildDraft(withSecrets(input));
    expect(unmasked).toContain('rotate ghp\\_abcdefghijklmnopqrstuvwxyz0123456789');
    for (const leak of [ENV_SECRET, GITHUB_TOKEN, URL_PASSWORD]) {
      expect(body).not.toContain(leak);
      expect(body).not.toContain(leak.replace(/_/g, '\\_'));
    }
    expect(body).toContain('- [ ] rotate ghp\\_\\*\\*\\* and postgres://app:\\*\\*\\*');
  });

  it('unsigned, tampered and expired links are 403 with one sentence, and load nothing', async () => {
    loads.length = 0;
    const unsigned = await fetch(`${base}/incidents/INC-7/postmortem.md`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toBe('This link is not signed: open the link Firebreak posted in chat.\n');

    const good = sign(postmortemPath('INC-7'), new Date(clock.getTime() + 3600_000), secret);
    const otherIncident = await fetch(`${base}${good.replace('INC-7', 'INC-8')}`);
    expect(otherIncident.status).toBe(403);
    expect(await otherIncident.text()).toMatch(/^This link has been changed or is incomplete: .*\.\n$/);
    const longer = await fetch(`${base}${good.replace(/exp=(\d+)/, (_, e: string) => `exp=${Number(e) + 86_400}`)}`);
    expect(longer.status).toBe(403);

    const expired = sign(postmortemPath('INC-7'), new Date('2026-11-25T10:00:00Z'), secret);
    const late = await fetch(`${base}${expired}`);
    expect(late.status).toBe(403);
    expect(await late.text()).toMatch(/^This link expired at 2026-11-25 10:00:00 UTC: /);

    const malformed = await fetch(`${base}/incidents/%E0%A4%A/postmortem.md?exp=1&sig=x`);
    expect(malformed.status).toBe(403);
    expect(loads).toEqual([]);
  });

  it('a link signed with another secret is refused', async () => {
    const res = await fetch(signedUrl(base, postmortemPath('INC-7'), 'another-secret-another-secret-another', clock));
    expect(res.status).toBe(403);
  });

  it('a good link to an incident that does not exist is 404', async () => {
    const res = await fetch(signedUrl(base, postmortemPath('INC-404'), secret, clock));
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('There is no incident INC-404 in this Firebreak.\n');
  });

  it('the same link stops working once its 7 days are over', async () => {
    const url = signedUrl(base, postmortemPath('INC-7'), secret, clock);
    clock = new Date(clock.getTime() + 7 * 24 * 3600_000 + 1000);
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/^This link expired at 2026-12-02 10:31:00 UTC/);
  });
});
