/**
 * The web pages in a real browser: Debian's Chromium driven by playwright-core. A scripted incident
 * (alerts, a confirmed action, notes, a published update, resolve) is opened by the signed link on
 * its summary card; the rows are in order with the key times; a new note appears live; the
 * post-mortem preview and the status page open; markup in a title, note and alert label runs no
 * script. Screenshots go to test-artifacts/web/ (git-ignored); docs/images/ has copies.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestNotification } from '../../src/alerts/ingest.js';
import type { ChannelRef } from '../../src/core/identity.js';
import { registerPostmortemRoutes } from '../../src/http/postmortem-routes.js';
import { Router } from '../../src/http/router.js';
import { startHttpServer, type RunningServer } from '../../src/http/server.js';
import { registerWebRoutes } from '../../src/http/web-routes.js';
import type { App } from '../../src/main.js';
import { alice, bob, silentLogger, testApp } from '../support/app.js';
import { waitFor } from '../support/wait.js';

const CHROMIUM = process.env.FIREBREAK_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'web');
const HOSTILE = '<script>window.__pwned=1;alert(1)</script> <img src=x onerror="window.__pwned=2">';

const CONFIG = `
roles:
  responders: ["console:alice", "console:bob"]
services:
  api: {}
actions:
  disable-provider:
    params: { provider: { type: enum, values: [openai, anthropic] } }
    argv: [node, -e, "console.log('provider openai disabled')"]
alerts:
  routes:
    - match: { alertname: ProviderDown }
      severity: critical
      incident: sev1
web:
  status_page:
    enabled: true
    title: Acme status
    components:
      api: { name: Checkout API }
`;

describe('the web pages in Chromium', () => {
  let app: App;
  let http: RunningServer;
  let base: string;
  let browser: Browser;
  let page: Page;
  let dialogs: string[];
  let incidentId: string;
  let channel: ChannelRef;
  let timelineLink: URL;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    app = await testApp(CONFIG);
    const router = new Router();
    registerPostmortemRoutes(router, { source: app.drafts.source, secret: app.drafts.secret, logger: silentLogger, redactor: app.ports.redactor });
    registerWebRoutes(router, { ...app.web, logger: silentLogger, pollMs: 300 });
    http = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
    base = `http://127.0.0.1:${http.port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 900, height: 1200 }, timezoneId: 'Europe/Berlin' });
    dialogs = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await app?.close();
  });

  const say = async (text: string, expected = 'ok') => {
    const out = await app.dispatcher.dispatch({ actor: alice, channel, input: { kind: 'text', text } });
    expect(out.status, `${text}: ${out.reply.title} ${out.reply.text ?? ''}`).toBe(expected);
    return out;
  };

  it('a scripted incident: alert, confirmed action, notes, a published update, resolve', async () => {
    await ingestNotification(app.ports, app.loaded.config, {
      source: 'alertmanager',
      groupKey: '{}:{alertname="ProviderDown"}',
      status: 'firing',
      receiver: 'firebreak',
      groupLabels: { alertname: 'ProviderDown' },
      commonLabels: { alertname: 'ProviderDown', service: 'api', provider: 'openai', note: HOSTILE },
      commonAnnotations: { summary: 'openai returns 503' },
      externalUrl: null,
      alerts: [{ fingerprint: 'b1', status: 'firing', labels: { alertname: 'ProviderDown', service: 'api', provider: 'openai', note: HOSTILE }, annotations: { summary: 'openai returns 503' }, startsAt: new Date(Date.now() - 120_000), endsAt: null, generatorUrl: null }],
    });
    const incident = await waitFor(async () => (await app.ports.incidents.listOpen()).find((i) => i.channel?.own), 60_000, 'the incident and its channel');
    incidentId = incident.id;
    channel = { platform: 'console', id: incident.channel!.id, name: incident.channel!.name };
    await app.db.query('UPDATE incidents SET title = $1 WHERE id = $2', [`openai down ${HOSTILE}`, incidentId]);
    await say('/incident status identified "openai 503s on every call"');
    const card = await say('/run disable-provider provider=openai', 'pending');
    const confirm = card.reply.buttons!.find((b) => b.actionId.startsWith('confirm:'))!;
    expect((await app.dispatcher.dispatch({ actor: bob, channel, input: { kind: 'action', actionId: confirm.actionId } })).status).toBe('ok');
    await say(`/incident note "traffic on anthropic now ${HOSTILE}"`);
    await say('/incident update --public "Checkout is degraded; we switched model provider"');
    await say('/incident note "internal only: bob to check the quota"');
    await say('/incident resolve "openai disabled; traffic on anthropic"');

    // The Open timeline button on the pinned summary card is the link the browser opens.
    const messages = (await app.consoleMessages.changesSince(0, 'nobody', 1000)).messages;
    const summary = messages.filter((m) => m.channel?.id === channel.id && m.reply.title.startsWith(`${incidentId}:`)).at(-1);
    const link = summary?.reply.links?.find((l) => l.label === 'Open timeline');
    expect(link).toBeDefined();
    timelineLink = new URL(link!.url);
  }, 120_000);

  it('the signed link opens the timeline: rows in order, key times, no script from the data', async () => {
    await page.goto(`${base}${timelineLink.pathname}${timelineLink.search}`);
    await expect.poll(() => page.title()).toContain(incidentId);
    const kinds = await page.locator('#timeline > li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-kind') ?? li.getAttribute('data-key-time')));
    const order = ['alert.received', 'incident.declared', 'incident.status', 'action.finished', 'note', 'incident.update', 'resolved'];
    const positions = order.map((k) => kinds.indexOf(k));
    expect(positions.every((p) => p >= 0), `${JSON.stringify(kinds)}`).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const key of ['detected', 'acknowledged', 'mitigated', 'resolved']) await expect.poll(() => page.locator(`#key-times [data-key="${key}"] time`).count()).toBe(1);
    // The command ran with its exit code; its output is behind a <details>.
    const finished = page.locator('#timeline > li[data-kind="action.finished"]').first();
    expect(await finished.innerText()).toContain('exit 0');
    expect(await finished.locator('details pre').textContent()).toContain('provider openai disabled');
    // Markup from the title, the note and the alert label is shown as text; nothing ran.
    expect(await page.locator('main > h1').innerText()).toContain('<script>window.__pwned=1;alert(1)</script>');
    expect(await page.locator('#timeline').innerText()).toContain('<img src=x onerror="window.__pwned=2">');
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned ?? null)).toBeNull();
    expect(dialogs).toEqual([]);
    // Times are in the viewer's zone, UTC on hover.
    const firstTime = page.locator('#timeline time').first();
    await expect.poll(() => firstTime.getAttribute('title')).toMatch(/UTC$/);
    await page.screenshot({ path: join(ARTIFACTS, 'timeline.png'), fullPage: true });
  }, 60_000);

  it('a new event appears without reloading', async () => {
    const before = await page.locator('#timeline > li').count();
    // A flag on this document: a reload would lose it.
    await page.evaluate(() => void ((window as unknown as { __sameDocument?: number }).__sameDocument = 1));
    await expect.poll(() => page.locator('[data-live]').innerText(), { timeout: 30_000 }).toContain('Live');
    await say('/incident note "late finding: the retry storm doubled the load"');
    await expect.poll(() => page.locator('#timeline').innerText(), { timeout: 30_000 }).toContain('late finding: the retry storm doubled the load');
    // The command row and its note row, appended in order, without a reload.
    expect(await page.locator('#timeline > li').count()).toBeGreaterThan(before);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: number }).__sameDocument)).toBe(1);
    expect(await page.locator('#timeline > li[data-kind="note"]').last().innerText()).toContain('late finding');
    await expect.poll(() => page.locator('#timeline > li').last().locator('time').getAttribute('title')).toMatch(/UTC$/);
  }, 60_000);

  it('the post-mortem preview renders the draft, with the download link', async () => {
    await page.locator('a.button', { hasText: 'Post-mortem preview' }).click();
    await expect.poll(() => page.locator('main > h1').innerText()).toContain('Post-mortem draft');
    const article = page.locator('article.markdown');
    expect(await article.locator('h2').count()).toBeGreaterThan(2);
    expect(await article.innerText()).toContain('disable-provider');
    expect(await article.locator('img, script').count()).toBe(0);
    const download = await page.locator('a', { hasText: 'Download .md' }).getAttribute('href');
    const md = await fetch(`${base}${download}`);
    expect(md.status).toBe(200);
    expect(await md.text()).toContain('## ');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned ?? null)).toBeNull();
    await page.screenshot({ path: join(ARTIFACTS, 'postmortem.png'), fullPage: true });
  }, 60_000);

  it('the incidents list and the status page (published update only)', async () => {
    await page.locator('nav a', { hasText: 'Incidents' }).click();
    await expect.poll(() => page.locator(`tr[data-incident="${incidentId}"]`).count()).toBe(1);
    expect(await page.locator('svg.chart').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'incidents.png'), fullPage: true });

    await page.goto(`${base}/status`);
    const text = await page.locator('main').innerText();
    expect(text).toContain('Checkout API');
    expect(text).toContain('Checkout is degraded; we switched model provider');
    for (const hidden of ['internal only', 'traffic on anthropic', 'openai down', 'alice', 'bob', 'disable-provider']) expect(text).not.toContain(hidden);
    expect(await page.locator('[data-component="api"] .days span').count()).toBe(90);
    expect(dialogs).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'status.png'), fullPage: true });
    expect(existsSync(join(ARTIFACTS, 'status.png'))).toBe(true);
  }, 60_000);
});
