import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage, SlackFake } from '../fakes/slack-api.js';
import {
  pushAll,
  resolveAll,
  startAlertmanager,
  startAlertmanagerPair,
  type PushedAlert,
  type RunningAlertmanager,
} from '../support/alertmanager.js';
import { ALICE, INCIDENTS, buttonsOf, headerOf, startDefaultFake, startSlackRig, type SlackRig } from './slack-harness.js';

/**
 * The real Alertmanager (Debian's prometheus-alertmanager) → Firebreak → the fake Slack: one card
 * per alert group, updated in place when the group resolves; an HA pair delivering every
 * notification twice still gives one card; the card's Silence button, pressed over signed Slack
 * HTTP, creates a silence the real Alertmanager lists.
 *
 * Skipped where Alertmanager is not installed (.ci/run installs it), and until the outbox worker
 * that posts the cards (src/alerts/outbox-worker.ts) is in the tree.
 */
const TOKEN = 'e2e-alerts-token-0123456789abcdef';
const DEADLINE_MS = 20_000;

/** What Alertmanager posted through us to Firebreak, and what Firebreak answered. */
interface Delivery {
  externalURL: string;
  groupKey: string;
  status: string;
  answered: number;
}

/**
 * Alertmanager needs its webhook URL before it starts, Firebreak its alertmanager_url: this stands
 * between them (started first), forwards every delivery to Firebreak once it is up, and records it.
 */
async function startForwarder(): Promise<{ url: string; deliveries: Delivery[]; target(url: string): void; close(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  let target = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const forwarded = target
        ? fetch(`${target}${req.url ?? ''}`, {
            method: req.method ?? 'POST',
            headers: { 'content-type': String(req.headers['content-type'] ?? 'application/json'), authorization: String(req.headers.authorization ?? '') },
            body,
          }).then(async (r) => ({ status: r.status, text: await r.text() }))
        : Promise.resolve({ status: 503, text: 'Firebreak not started yet' });
      void forwarded
        .catch((err: unknown) => ({ status: 502, text: String(err) }))
        .then(({ status, text }) => {
          try {
            const n = JSON.parse(body) as { externalURL: string; groupKey: string; status: string };
            deliveries.push({ externalURL: n.externalURL, groupKey: n.groupKey, status: n.status, answered: status });
          } catch {
            // not a notification: forwarded as it was
          }
          res.writeHead(status, { 'content-type': 'application/json' }).end(text);
        });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deliveries,
    target: (url) => void (target = url),
    close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())),
  };
}

const alert = (alertname: string, service: string, labels: Record<string, string> = {}): PushedAlert => ({
  labels: { alertname, service, severity: 'critical', ...labels },
  annotations: { summary: `${alertname} on ${service}` },
  // Set by the sender, as Prometheus does, so both instances of a pair carry the same startsAt.
  startsAt: new Date(Date.now() - 60_000),
  generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up',
});

describe('real Alertmanager → Firebreak → Slack', () => {
  let fake: SlackFake;
  let rig: SlackRig;
  let single: RunningAlertmanager;
  let pair: [RunningAlertmanager, RunningAlertmanager];
  const forwarders: Awaited<ReturnType<typeof startForwarder>>[] = [];

  beforeAll(async () => {
    fake = await startDefaultFake();
    const toSingle = await startForwarder();
    const toPair = await startForwarder();
    forwarders.push(toSingle, toPair);
    single = await startAlertmanager({ webhookUrl: `${toSingle.url}/webhooks/alertmanager`, token: TOKEN });
    pair = await startAlertmanagerPair({ webhookUrl: `${toPair.url}/webhooks/alertmanager`, token: TOKEN });
    rig = await startSlackRig(
      `
chat:
  incidents_channel: ${INCIDENTS.name}
roles:
  responders: ["slack:${ALICE.id}"]
alerts:
  token: ${TOKEN}
  alertmanager_url: "${single.url}"
`,
      'http',
      { fake },
    );
    for (const f of forwarders) f.target(`http://127.0.0.1:${rig.running.http.port}`);
  });
  afterAll(async () => {
    await rig?.close();
    for (const am of [single, ...(pair ?? [])]) await am?.stop();
    for (const f of forwarders) await f.close();
    await fake?.close();
  });

  /** The incidents channel's cards whose header names this alert. */
  const cards = (alertname: string): FakeMessage[] => [...fake.messages.values()].filter((m) => m.channel === INCIDENTS.id && headerOf(m.blocks).includes(alertname));
  const posts = (alertname: string) => fake.callsOf('chat.postMessage', true).filter((c) => c.args.channel === INCIDENTS.id && JSON.stringify(c.args.blocks ?? '').includes(alertname));
  /** Every card change worked off: the outbox is empty and nothing is waiting for the Slack pacer. */
  const settled = async () => {
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      const [row] = await rig.running.app.db.query<{ n: number | string }>('SELECT count(*) AS n FROM outbox');
      if (Number(row?.n) === 0) break;
      if (Date.now() > deadline) throw new Error('the outbox was not worked off within 20 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    await rig.slack.idle();
  };
  const logs = () => [single, ...pair].map((am) => am.log().slice(-1500)).join('\n---\n');

  it('one card per alert group, updated in place when its alerts resolve', async () => {
    const provider = [alert('ProviderDown', 'gateway', { provider: 'openai' }), alert('ProviderDown', 'gateway', { provider: 'anthropic' })];
    const pool = [alert('PostgresConnectionsHigh', 'api')];
    await single.push([...provider, ...pool]);

    const [card] = await fake.waitFor(() => (cards('ProviderDown').length === 1 && cards('PostgresConnectionsHigh').length === 1 ? cards('ProviderDown') : null), DEADLINE_MS).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${logs()}`);
    });
    expect(headerOf(card!.blocks)).toMatch(/Firing: ProviderDown \(gateway\)/);

    await single.resolve(provider);
    await fake.waitFor(() => headerOf(fake.messages.get(`${card!.channel}:${card!.ts}`)?.blocks).includes('Resolved: ProviderDown (gateway)'), DEADLINE_MS);
    await settled();
    // Still one message per group: the resolve edited the card (its ts), it did not post another.
    expect(posts('ProviderDown')).toHaveLength(1);
    expect(posts('PostgresConnectionsHigh')).toHaveLength(1);
    expect(fake.callsOf('chat.update', true).some((c) => c.args.ts === card!.ts)).toBe(true);
    expect(headerOf(cards('PostgresConnectionsHigh')[0]!.blocks)).toMatch(/Firing: PostgresConnectionsHigh \(api\)/);
  });

  it('an HA pair delivers every notification from both instances, and the group still has one card', async () => {
    const [toPair] = forwarders.slice(1);
    const memory = [alert('HighMemoryUsage', 'agent', { pod: 'agent-0' })];
    await pushAll(pair, memory);
    const firing = () => toPair!.deliveries.filter((d) => d.groupKey.includes('HighMemoryUsage') && d.status === 'firing' && d.answered === 200);
    await fake.waitFor(() => new Set(firing().map((d) => d.externalURL)).size === 2, DEADLINE_MS).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${JSON.stringify(toPair!.deliveries)}\n${logs()}`);
    });
    await fake.waitFor(() => cards('HighMemoryUsage').length > 0, DEADLINE_MS);
    await settled();
    expect(posts('HighMemoryUsage')).toHaveLength(1);

    await resolveAll(pair, memory);
    const resolved = () => toPair!.deliveries.filter((d) => d.groupKey.includes('HighMemoryUsage') && d.status === 'resolved' && d.answered === 200);
    await fake.waitFor(() => new Set(resolved().map((d) => d.externalURL)).size === 2, DEADLINE_MS);
    const [card] = cards('HighMemoryUsage');
    await fake.waitFor(() => headerOf(fake.messages.get(`${card!.channel}:${card!.ts}`)?.blocks).includes('Resolved: HighMemoryUsage (agent)'), DEADLINE_MS);
    await settled();
    expect(posts('HighMemoryUsage')).toHaveLength(1);
    expect(cards('HighMemoryUsage')).toHaveLength(1);
  });

  it("the card's Silence button, pressed on Slack, creates a silence in the real Alertmanager", async () => {
    await single.push([alert('LangfuseIngestionLag', 'langfuse')]);
    const card = await fake.waitFor(() => cards('LangfuseIngestionLag')[0], DEADLINE_MS);
    const silence = buttonsOf(card.blocks).find((b) => b.action_id.startsWith('silence:'));
    expect(silence?.text.text).toBe('Silence 1 h');

    const res = await rig.click(silence!.action_id, { channel: card.channel, ts: card.ts }, { label: silence!.text.text });
    expect(res.status).toBe(200);
    const listed = await waitForSilence(single, DEADLINE_MS);
    expect(listed.status.state).toBe('active');
    expect(listed.matchers.map((m) => `${m.name}=${m.value}`)).toEqual(expect.arrayContaining(['alertname=LangfuseIngestionLag', 'service=langfuse']));
    expect(listed.matchers.every((m) => !m.isRegex && m.isEqual !== false)).toBe(true);
    expect(listed.comment).toBe(`Silenced from Firebreak by ${listed.createdBy}`);
    expect(new Date(listed.endsAt).getTime() - new Date(listed.startsAt).getTime()).toBeGreaterThan(59 * 60_000);

    // The clicker is told privately, with the silence's id; the card shows it for everyone.
    await fake.waitFor(() => JSON.stringify([...fake.responsePosts.map((p) => p.body), ...fake.ephemerals]).includes(`Silenced for 1 h (silence ${listed.id.slice(0, 4)}…)`), DEADLINE_MS);
    await fake.waitFor(() => JSON.stringify(fake.messages.get(`${card.channel}:${card.ts}`)?.blocks ?? []).includes(listed.id), DEADLINE_MS);
    expect(posts('LangfuseIngestionLag')).toHaveLength(1);
  });
});

async function waitForSilence(am: RunningAlertmanager, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await am.silences()).find((s) => s.matchers.some((m) => m.name === 'alertname' && m.value === 'LangfuseIngestionLag'));
    if (found) return found;
    if (Date.now() > deadline) throw new Error('no silence in Alertmanager within the deadline');
    await new Promise((r) => setTimeout(r, 50));
  }
}
