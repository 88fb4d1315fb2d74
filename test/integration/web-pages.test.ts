import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestNotification } from '../../src/alerts/ingest.js';
import type { ChannelRef } from '../../src/core/identity.js';
import { registerPostmortemRoutes } from '../../src/http/postmortem-routes.js';
import { Router } from '../../src/http/router.js';
import { startHttpServer, type RunningServer } from '../../src/http/server.js';
import { registerWebRoutes } from '../../src/http/web-routes.js';
import type { App } from '../../src/main.js';
import { sign } from '../../src/web/signed-links.js';
import { alice, bob, silentLogger, testApp } from '../support/app.js';
import { waitFor } from '../support/wait.js';

const SCRIPT = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(2)>';

const CONFIG = (trusted: boolean) => `
roles:
  responders: ["console:alice", "console:bob"]
services:
  api: {}
  billing: {}
maintenance:
  - name: billing-nightly
    cron: "30 3 * * *"
    duration: 30m
    services: [billing]
    reason: internal-only billing reason
    public_note: Invoices may be delayed by a few minutes.
alerts:
  routes:
    - match: { alertname: CheckoutErrors }
      severity: critical
      incident: sev2
web:
  link_ttl_h: 2
${trusted ? '  auth: { trusted_header: X-Forwarded-Email }\n' : ''}  status_page:
    enabled: true
    title: Acme status
    components:
      api: { name: Checkout API }
      billing: { name: Billing }
`;

/** A hostile incident, scripted through the real app: the alert's label, the title and a note all carry markup. */
async function scriptIncident(app: App): Promise<{ id: string; channel: ChannelRef }> {
  await ingestNotification(app.ports, app.loaded.config, {
    source: 'alertmanager',
    groupKey: '{}:{alertname="CheckoutErrors"}',
    status: 'firing',
    receiver: 'firebreak',
    groupLabels: { alertname: 'CheckoutErrors' },
    commonLabels: { alertname: 'CheckoutErrors', service: 'api', detail: SCRIPT },
    commonAnnotations: { summary: IMG },
    externalUrl: null,
    alerts: [{ fingerprint: 'w1', status: 'firing', labels: { alertname: 'CheckoutErrors', service: 'api', detail: SCRIPT }, annotations: { summary: IMG }, startsAt: new Date(Date.now() - 60_000), endsAt: null, generatorUrl: null }],
  });
  const incident = await waitFor(async () => (await app.ports.incidents.listOpen()).find((i) => i.channel?.own), 60_000, 'the incident and its channel');
  const channel: ChannelRef = { platform: 'console', id: incident.channel!.id, name: incident.channel!.name };
  const say = async (text: string) => {
    const out = await app.dispatcher.dispatch({ actor: alice, channel, input: { kind: 'text', text } });
    expect(out.status, `${text}: ${out.reply.title} ${out.reply.text ?? ''}`).toBe('ok');
    return out;
  };
  // A title is typed in chat: the hostile one is the incident's from here on.
  await app.db.query('UPDATE incidents SET title = $1 WHERE id = $2', [`${SCRIPT} ${IMG}`, incident.id]);
  await say(`/incident note "internal: ${SCRIPT} bob's deploy broke it"`);
  await say('/incident update "investigating the deploy from this morning"');
  await say('/incident update --public "Checkout is degraded; we are rolling back"');
  return { id: incident.id, channel };
}

describe('web pages over HTTP: signed links, escaping, trusted header, the status page', () => {
  let app: App;
  let http: RunningServer;
  let base: string;
  let incident: { id: string; channel: ChannelRef };
  let secret: string;

  beforeAll(async () => {
    app = await testApp(CONFIG(false));
    const router = new Router();
    registerPostmortemRoutes(router, { source: app.drafts.source, secret: app.drafts.secret, logger: silentLogger, redactor: app.ports.redactor });
    registerWebRoutes(router, { ...app.web, logger: silentLogger });
    http = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
    base = `http://127.0.0.1:${http.port}`;
    incident = await scriptIncident(app);
    secret = await app.drafts.secret();
  }, 120_000);
  afterAll(async () => {
    await http?.close();
    await app?.close();
  });

  const signed = (path: string, expiresAt = new Date(Date.now() + 3_600_000)) => `${base}${sign(path, expiresAt, secret)}`;

  it('the summary card and the announcement carry the Open timeline link, signed, and it opens the page', async () => {
    const messages = (await app.consoleMessages.changesSince(0, 'nobody', 1000)).messages;
    const summary = messages.find((m) => m.channel?.id === incident.channel.id && m.reply.title.startsWith(`${incident.id}:`));
    const link = summary?.reply.links?.find((l) => l.label === 'Open timeline');
    expect(link?.url).toMatch(new RegExp(`/incidents/${incident.id}\\?exp=\\d+&sig=[A-Za-z0-9_-]{43}$`));
    // web.link_ttl_h: 2 → the link expires two hours after the card was drawn, counted from the next full hour
    // (so a card redrawn within the hour shows the same link).
    const exp = Number(new URL(link!.url).searchParams.get('exp'));
    expect(exp % 3600).toBe(0);
    expect(exp * 1000 - Date.now()).toBeGreaterThan(2 * 3_600_000 - 120_000);
    expect(exp * 1000 - Date.now()).toBeLessThanOrEqual(3 * 3_600_000);
    const url = new URL(link!.url);
    const res = await fetch(`${base}${url.pathname}${url.search}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
  });

  it('unsigned, expired and tampered links get 403 and say why; nothing about the incident leaks', async () => {
    for (const path of [`/incidents/${incident.id}`, `/incidents/${incident.id}/postmortem`, `/incidents/${incident.id}/events`, '/incidents', '/alerts']) {
      const unsigned = await fetch(`${base}${path}`);
      expect(unsigned.status, path).toBe(403);
      expect(await unsigned.text()).toContain('This link is not signed');
      const expired = await fetch(signed(path, new Date(Date.now() - 60_000)));
      expect(expired.status, path).toBe(403);
      expect(await expired.text()).toContain('This link expired');
      const good = new URL(signed(path));
      const sig = good.searchParams.get('sig')!;
      good.searchParams.set('sig', `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`);
      const tampered = await fetch(good);
      expect(tampered.status, path).toBe(403);
      const body = await tampered.text();
      expect(body).toContain('has been changed');
      expect(body).not.toContain('CheckoutErrors');
    }
    // A link signed for one incident does not open another page.
    const other = new URL(signed(`/incidents/${incident.id}`));
    expect((await fetch(`${base}/incidents/INC-999${other.search}`)).status).toBe(403);
  });

  it('titles, notes and alert labels with markup are text on the page', async () => {
    const html = await (await fetch(signed(`/incidents/${incident.id}`))).text();
    expect(html).toContain('&lt;script>alert(1)&lt;/script>');
    expect(html).toContain('&lt;img src=x onerror=alert(2)>');
    expect(html).not.toContain(SCRIPT);
    expect(html).not.toContain(IMG);
    // The only script is the page's own file.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain('<script src="/assets/page.js" defer></script>');
    const preview = await (await fetch(signed(`/incidents/${incident.id}/postmortem`))).text();
    expect(preview).toContain('Post-mortem draft');
    expect(preview).not.toContain(SCRIPT);
    expect(preview).not.toContain(IMG);
    expect(preview.match(/<script/g)).toHaveLength(1);
    const alerts = await (await fetch(signed('/alerts'))).text();
    expect(alerts).toContain('CheckoutErrors');
  });

  it('the incidents list filters by status, severity and service, and shows the response metrics with their definitions', async () => {
    const all = await (await fetch(signed('/incidents'))).text();
    expect(all).toContain(`data-incident="${incident.id}"`);
    expect(all).toContain('MTTA');
    expect(all).toContain('(time to acknowledge): from <em>detected</em>');
    expect(all).toMatch(/<svg class="chart"/);
    const sep = (u: string) => `${u}&`;
    expect(await (await fetch(`${sep(signed('/incidents'))}status=resolved`)).text()).not.toContain(`data-incident="${incident.id}"`);
    expect(await (await fetch(`${sep(signed('/incidents'))}status=open&severity=sev2&service=api`)).text()).toContain(`data-incident="${incident.id}"`);
    expect(await (await fetch(`${sep(signed('/incidents'))}severity=sev1`)).text()).not.toContain(`data-incident="${incident.id}"`);
  });

  it('the status page, its JSON and its feed show the published update and nothing unpublished', async () => {
    const pages = await Promise.all(['/status', '/status.json', '/status/feed.xml'].map(async (p) => {
      const res = await fetch(`${base}${p}`);
      expect(res.status, p).toBe(200);
      return { p, body: await res.text() };
    }));
    for (const { p, body } of pages) {
      expect(body, p).toContain('Checkout is degraded; we are rolling back');
      expect(body, p).toContain('Checkout API');
      for (const secretText of ['internal:', 'investigating the deploy', 'alert(1)', 'onerror', 'alice', 'CheckoutErrors']) expect(body, `${p} must not show ${secretText}`).not.toContain(secretText);
    }
    const json = JSON.parse(pages[1]!.body) as { incidents: { status: string; updates: { text: string }[] }[]; components: { id: string; days: unknown[] }[] };
    expect(json.incidents).toHaveLength(1);
    expect(json.incidents[0]!.updates.map((u) => u.text)).toEqual(['Checkout is degraded; we are rolling back']);
    expect(json.components[0]).toMatchObject({ id: 'api' });
    expect(json.components[0]!.days).toHaveLength(90);
    expect(pages[2]!.body).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
  });

  it('a window started with /maintenance start is on /status, /status.json and the feed by component and time; its typed reason is not; a configured public note is', async () => {
    const before = Date.now();
    const out = await app.dispatcher.dispatch({ actor: alice, channel: incident.channel, input: { kind: 'text', text: '/maintenance start api 2h "bob swaps disk on db-7 (OPS-4411)"' } });
    const after = Date.now();
    expect(out.status, `${out.reply.title} ${out.reply.text ?? ''}`).toBe('ok');
    const pages = await Promise.all(['/status', '/status.json', '/status/feed.xml'].map(async (p) => ({ p, body: await (await fetch(`${base}${p}`)).text() })));
    for (const { p, body } of pages) {
      expect(body, p).toContain('Scheduled maintenance');
      expect(body, p).toContain('Invoices may be delayed by a few minutes.');
      for (const secretText of ['db-7', 'OPS-4411', 'bob swaps', 'internal-only billing reason', 'billing-nightly', 'alice']) expect(body, `${p} must not show ${secretText}`).not.toContain(secretText);
    }
    const json = JSON.parse(pages[1]!.body) as {
      components: { id: string; state: string }[];
      maintenance: { running: { components: string[]; ends_at: string; note: string | null }[]; upcoming: { components: string[]; note: string | null }[] };
    };
    const mine = json.maintenance.running.find((w) => w.components.join() === 'Checkout API');
    expect(mine, JSON.stringify(json.maintenance)).toMatchObject({ note: null });
    // Until two hours after it was started.
    const endsAt = new Date(mine!.ends_at).getTime();
    expect(endsAt).toBeGreaterThanOrEqual(before + 2 * 3_600_000 - 1000);
    expect(endsAt).toBeLessThanOrEqual(after + 2 * 3_600_000 + 1000);
    // The nightly billing window is running or coming within the next day, with its note.
    expect([...json.maintenance.running, ...json.maintenance.upcoming].filter((w) => w.components.join() === 'Billing').map((w) => w.note)).toContain('Invoices may be delayed by a few minutes.');
    // The published incident on the api still shows it degraded: it was said on purpose.
    expect(json.components.find((c) => c.id === 'api')!.state).toBe('degraded');
    expect(pages[0]!.body).toContain('Maintenance in progress');
    expect(pages[0]!.body).toMatch(/data-maintenance="running"[^]*Checkout API/);
    expect(pages[2]!.body).toContain('Scheduled maintenance (in progress): Checkout API');
  });
});

describe('web pages behind an authenticating proxy (web.auth.trusted_header)', () => {
  let app: App;
  let http: RunningServer;
  let base: string;
  const logged: { viewer?: unknown; path?: unknown }[] = [];

  beforeAll(async () => {
    app = await testApp(CONFIG(true));
    const router = new Router();
    const logger = { ...silentLogger, info: (o: object) => void logged.push(o as { viewer?: unknown }) };
    registerWebRoutes(router, { ...app.web, logger });
    http = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
    base = `http://127.0.0.1:${http.port}`;
  }, 120_000);
  afterAll(async () => {
    await http?.close();
    await app?.close();
  });

  it('the header opens private pages without a signature, shows its user and records who opened what; without it, 403', async () => {
    const declared = await app.dispatcher.dispatch({ actor: bob, channel: { platform: 'console', id: 'console', name: 'console' }, input: { kind: 'text', text: '/incident declare "queue backlog" sev3' } });
    expect(declared.status).toBe('ok');
    const [i] = await app.ports.incidents.listOpen();
    const res = await fetch(`${base}/incidents/${i!.id}`, { headers: { 'X-Forwarded-Email': 'carol@example.com' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Signed in as carol@example.com');
    expect(html).toContain('queue backlog');
    expect(logged).toContainEqual({ viewer: 'carol@example.com', path: `/incidents/${i!.id}` });
    expect((await fetch(`${base}/incidents/${i!.id}`)).status).toBe(403);
    expect((await fetch(`${base}/incidents/${i!.id}`, { headers: { 'X-Forwarded-Email': '  ' } })).status).toBe(403);
  });
});
