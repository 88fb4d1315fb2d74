import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/index.js';
import { startFakeKube, type FakeKube } from '../fakes/kube-apiserver.js';
import type { FakeMessage } from '../fakes/slack-api.js';
import { ALICE, BOB, buttonsOf, contextOf, headerOf, startHealthTargets, startSlackRig, type SlackRig } from './slack-harness.js';

const IMG = 'ghcr.io/acme/conduit-api';
/** Long enough for real kubectl against the fake API server on a busy machine. */
const RESULT_WAIT_MS = 30_000;

/**
 * The done-criterion of the Slack work: every registered command, typed with real arguments,
 * over HTTP and over Socket Mode, against real fakes (the real kubectl talking to the fake
 * kube-apiserver, a command backup target writing to a directory). Each answer must be the
 * command's real result, not a usage error or a refusal, and a mutating command must change the
 * fake cluster only after Confirm, then show its result on the same card.
 */
describe.each(['http', 'socket'] as const)('every registered command from Slack (%s)', (mode) => {
  const dir = mkdtempSync(join(tmpdir(), `fb-slack-cmds-${mode}-`));
  const backupDir = join(dir, 'backups');
  let kube: FakeKube;
  let targets: Awaited<ReturnType<typeof startHealthTargets>>;
  let rig: SlackRig;

  beforeAll(async () => {
    targets = await startHealthTargets();
    kube = await startFakeKube({
      dir,
      deployments: [{ namespace: 'conduit', name: 'conduit-api', replicas: 3, container: 'api', images: [`${IMG}:v1.2.2`, `${IMG}:v1.2.3`], firstRevision: 13 }],
    });
    rig = await startSlackRig(
      `
chat:
  incidents_channel: incidents
roles:
  responders: ["slack:${ALICE.id}", "slack:${BOB.id}"]
services:
  api:
    health: { type: http, url: "${targets.url}/ok" }
    deploy: { kind: kubernetes, kubeconfig: "${kube.kubeconfig}", namespace: conduit, deployment: conduit-api, container: api, rollout_timeout_s: 30 }
    replicas: { min: 2, max: 30 }
actions:
  say-hi:
    description: A harmless mutating action (asks for confirmation)
    argv: [node, -e, "console.log('hi from the action')"]
    timeout_s: 20
procedures:
  bounce:
    description: Scale api to 4, then check it
    steps:
      - run: "/scale api 4"
      - check: api
  diagnose-api:
    description: Is api answering, and what runs
    steps:
      - check: api
      - run: /status api
alerts:
  routes:
    - match: { service: api }
      diagnose: diagnose-api
backups:
  targets:
    app-db: { type: command, argv: [node, -e, "process.stdout.write('x')"], extension: txt }
  destination: { dir: "${backupDir}" }
`,
      mode,
    );
    if (mode === 'socket') await rig.fake.waitForSocket();
  }, 120_000); // a fresh embedded store on a busy machine
  afterAll(async () => {
    await rig?.close();
    await kube?.close();
    await targets?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const channelFor = (name: string) => ({ id: `C${mode.toUpperCase()}${name.toUpperCase().replace(/[^A-Z0-9]/g, '')}`, name: `inc-${mode}-${name}` });
  const messageIn = (channel: string): FakeMessage | undefined => [...rig.fake.messages.values()].find((m) => m.channel === channel);
  const current = (m: FakeMessage) => rig.fake.messages.get(`${m.channel}:${m.ts}`)!;

  /** The card posted in the channel once its header matches (the result replaces "running…" in place). */
  async function cardIn(channel: string, header: RegExp): Promise<FakeMessage> {
    return rig.fake.waitFor(() => {
      const m = messageIn(channel);
      return m && header.test(headerOf(m.blocks)) ? m : undefined;
    }, RESULT_WAIT_MS);
  }

  /** What the user saw only to themselves (usage errors, denials, /help, lists) through the response_url. */
  const privateAnswer = (trigger: string) => rig.fake.waitFor(() => rig.fake.responsePosts.find((p) => p.id === trigger), RESULT_WAIT_MS);

  async function commandsRecorded(channel: string): Promise<string[]> {
    await rig.slack.idle();
    const events = (await rig.running.app.ports.timeline.list({ limit: 500 })).filter((e) => e.channel?.id === channel);
    return events.map((e) => `${e.kind}:${e.outcome ?? ''}`);
  }

  /**
   * A mutating command: the confirmation card (danger Confirm with a dialog + Cancel) must leave the
   * cluster untouched; Confirm runs it and the same card shows the result.
   */
  async function confirmAndRun(name: string, text: string, cardHeader: RegExp, resultHeader: RegExp): Promise<{ card: FakeMessage; final: FakeMessage; channel: string }> {
    const channel = channelFor(name);
    const writesBefore = kube.writes().length;
    await rig.command(`/${name}`, text, { channel });
    // The confirmation card, not the "⏳ Running /cmd…" placeholder a busy machine shows first.
    const card = await cardIn(channel.id, /^⏳ (?!Running \/)/);
    expect(headerOf(card.blocks)).toMatch(cardHeader);
    const [confirm, cancel, ...more] = buttonsOf(card.blocks);
    expect(more).toEqual([]);
    expect(confirm).toMatchObject({ style: 'danger', confirm: { title: { text: 'Are you sure?' }, deny: { text: 'Back' } } });
    expect(confirm!.action_id).toMatch(/^confirm:/);
    expect(cancel).toMatchObject({ text: { text: 'Cancel' } });
    expect(cancel!.action_id).toMatch(/^cancel:/);
    expect(kube.writes().length).toBe(writesBefore);

    await rig.press(confirm!.action_id, { channel: channel.id, ts: card.ts }, { user: BOB, channelName: channel.name, label: confirm!.text.text });
    const final = await cardIn(channel.id, resultHeader);
    await rig.slack.idle();
    expect(current(final).ts).toBe(card.ts);
    expect(buttonsOf(current(final).blocks)).toEqual([]);
    expect(contextOf(current(final).blocks)).toContain('Requested by Alice A · confirmed by Bob B');
    expect(rig.fake.callsOf('chat.postMessage', true).filter((c) => c.args.channel === channel.id)).toHaveLength(1);
    expect(await commandsRecorded(channel.id)).toContain('action.finished:ok');
    return { card, final: current(final), channel: channel.id };
  }

  /** One entry per registered command; a command added to the registry without one fails below. */
  const drive: Record<string, () => Promise<void>> = {
    async health() {
      const channel = channelFor('health');
      await rig.command('/health', 'api', { channel });
      // The result, not a "Running…" placeholder (a busy machine may take over a second).
      const card = await cardIn(channel.id, /^(?!⏳)/);
      expect(headerOf(card.blocks)).toMatch(/^✅ Health — 1 of 1 check OK/);
      expect(JSON.stringify(card.blocks)).toContain('*api*');
      expect(await commandsRecorded(channel.id)).toEqual(['command:ok']);
    },
    async help() {
      const channel = channelFor('help');
      const { trigger } = await rig.command('/help', 'scale', { channel });
      const answer = await privateAnswer(trigger);
      expect(answer.body.response_type).toBe('ephemeral');
      expect(headerOf(answer.body.blocks as unknown[])).toBe('ℹ️ /scale');
      expect(JSON.stringify(answer.body.blocks)).toContain('/scale SERVICE REPLICAS');
    },
    async run() {
      const { final } = await confirmAndRun('run', 'say-hi', /^⏳ Run say-hi\?$/, /^✅ say-hi: done/);
      expect(JSON.stringify(final.blocks)).toContain('hi from the action');
    },
    async status() {
      const channel = channelFor('status');
      const before = kube.deployment('conduit', 'conduit-api');
      await rig.command('/status', 'api', { channel });
      // The result, not a "Running…" placeholder (a busy machine may take over a second).
      const card = await cardIn(channel.id, /^(?!⏳)/);
      // What the fake cluster holds, as the user reads it.
      expect(headerOf(card.blocks)).toBe(`✅ api: revision ${before.revision}, ${before.ready}/${before.replicas} ready`);
      const json = JSON.stringify(card.blocks);
      expect(json).toContain(before.image);
      expect(json).toContain('deployment conduit-api in namespace conduit');
      expect(json).toContain('(allowed 2–30)');
      expect(json).toContain(`${IMG}:v1.2.2`); // the previous revision in the history rows
      expect(await commandsRecorded(channel.id)).toEqual(['command:ok']);
    },
    async logs() {
      const channel = channelFor('logs');
      kube.podLogs('conduit', 'conduit-api', 0, [
        { text: '2026-12-07T10:00:01Z ERROR upstream timeout', ageS: 30 },
        { text: '2026-12-07T10:00:02Z INFO ok', ageS: 20 },
        { text: '2026-12-07T10:00:03Z ERROR upstream timeout', ageS: 10 },
      ]);
      await rig.command('/logs', 'api --grep ERROR', { channel });
      const card = await cardIn(channel.id, /^(?!⏳)/);
      expect(headerOf(card.blocks)).toMatch(/api logs: 2 of 3 lines match \(1 distinct, last 1h\)$/);
      expect(JSON.stringify(card.blocks)).toContain('2 ERROR upstream timeout');
      expect(await commandsRecorded(channel.id)).toEqual(['command:ok']);
    },
    async scale() {
      const from = kube.deployment('conduit', 'conduit-api').replicas;
      expect(from).not.toBe(5);
      const { final } = await confirmAndRun('scale', 'api 5', new RegExp(`^⏳ Scale api ${from} → 5 replicas \\(allowed 2–30\\)\\?$`), /^✅ api scaled/);
      expect(headerOf(final.blocks)).toMatch(new RegExp(`^✅ api scaled ${from} → 5 replicas, 5/5 ready in `));
      expect(kube.deployment('conduit', 'conduit-api')).toMatchObject({ replicas: 5, ready: 5 });
    },
    async rollback() {
      const before = kube.deployment('conduit', 'conduit-api');
      expect(before.image).toBe(`${IMG}:v1.2.3`);
      const { final } = await confirmAndRun('rollback', 'api', /^⏳ Roll back api from revision \d+ \(conduit-api:v1\.2\.3\) to \d+ \(conduit-api:v1\.2\.2\)\?$/, /^✅ api rolled back/);
      expect(headerOf(final.blocks)).toMatch(/^✅ api rolled back to revision \d+ \(conduit-api:v1\.2\.2\)/);
      expect(kube.deployment('conduit', 'conduit-api').image).toBe(`${IMG}:v1.2.2`);
      expect(kube.deployment('conduit', 'conduit-api').revision).toBeGreaterThan(before.revision);
    },
    async restart() {
      const before = kube.deployment('conduit', 'conduit-api');
      expect(before.restartedAt).toBeUndefined();
      const { card, final } = await confirmAndRun('restart', 'api', /^⏳ Restart api \(rolling restart of \d+ pods, conduit-api:v1\.2\.\d\)\?$/, /^✅ api restarted/);
      expect(JSON.stringify(card.blocks)).toContain('rollout restart deployment/conduit-api');
      const after = kube.deployment('conduit', 'conduit-api');
      expect(after.restartedAt).toBeTruthy();
      expect(after.revision).toBe(before.revision + 1);
      expect(after.image).toBe(before.image);
      expect(headerOf(final.blocks)).toMatch(new RegExp(`^✅ api restarted: ${after.replicas}/${after.replicas} ready in `));
      expect(JSON.stringify(final.blocks)).toContain(`Kubernetes records the restart as revision ${after.revision}.`);
    },
    async procedure() {
      // One card for the whole procedure; Confirm runs its steps and the same card shows each one done.
      const { card, final } = await confirmAndRun('procedure', 'bounce', /^⏳ Run procedure bounce \(2 steps\)\?$/, /^✅ Procedure bounce: all 2 steps done$/);
      expect(JSON.stringify(card.blocks)).toContain('/scale api 4');
      const shown = JSON.stringify(final.blocks);
      expect(shown).toContain('/scale api 4');
      expect(shown).toContain('check api');
      expect(kube.deployment('conduit', 'conduit-api')).toMatchObject({ replicas: 4 });
    },
    async backup() {
      const channel = channelFor('backup');
      await rig.command('/backup', 'now', { channel });
      const card = await cardIn(channel.id, /backed up/);
      expect(headerOf(card.blocks)).toMatch(/^✅ app-db backed up: .+ gzipped in /);
      const json = JSON.stringify(card.blocks);
      const id = /Restore with \/backup restore (\S+)/.exec(contextOf(card.blocks))?.[1];
      expect(id).toBeTruthy();
      expect(json).toContain(backupDir);
      // The object the card points at is really there and holds what the command wrote.
      const files = readdirSync(backupDir, { recursive: true }).map(String).filter((f) => f.endsWith('.txt.gz'));
      expect(files).toHaveLength(1);
      expect(existsSync(join(backupDir, files[0]!))).toBe(true);
      expect(gunzipSync(readFileSync(join(backupDir, files[0]!))).toString()).toBe('x');
      expect(await commandsRecorded(channel.id)).toEqual(['command:ok']);

      const { trigger } = await rig.command('/backup', 'list', { channel });
      const list = await privateAnswer(trigger);
      expect(list.body.response_type).toBe('ephemeral');
      expect(headerOf(list.body.blocks as unknown[])).toBe('ℹ️ Backups (last 1)');
      expect(JSON.stringify(list.body.blocks)).toContain(id!);
      expect(JSON.stringify(list.body.blocks)).toContain('by Alice A');
    },
    async alerts() {
      const channel = channelFor('alerts');
      await rig.command('/alerts', '', { channel });
      const card = await cardIn(channel.id, /^(?!⏳)/);
      expect(headerOf(card.blocks)).toBe('✅ 0 groups firing, 0 alerts');
      expect(await commandsRecorded(channel.id)).toEqual(['command:ok']);
    },
    async diagnose() {
      // The route's read-only diagnosis on demand: no confirmation, its report in the channel.
      const channel = channelFor('diagnose');
      await rig.command('/diagnose', 'api', { channel });
      const card = await cardIn(channel.id, /all 2 steps done/);
      expect(headerOf(card.blocks)).toMatch(/^✅ Procedure diagnose-api: all 2 steps done$/);
      expect(JSON.stringify(card.blocks)).toContain('/status api');
    },
    async timeline() {
      // Driven last: what /scale, /rollback and /restart did to api earlier in this file is listed, newest first.
      const channel = channelFor('timeline');
      await rig.command('/timeline', 'api --since 1h', { channel });
      const card = await cardIn(channel.id, /^(?!⏳)/);
      expect(headerOf(card.blocks)).toMatch(/^ℹ️ Timeline for api in the last 1h: events 1–\d+, newest first$/);
      const text = JSON.stringify(card.blocks);
      expect(text).toContain('/restart api');
      expect(text.indexOf('/restart api')).toBeLessThan(text.indexOf('/scale api'));
      expect(await commandsRecorded(channel.id)).toEqual(['command:ok']);
    },
    async incident() {
      const channel = channelFor('incident');
      const { trigger } = await rig.command('/incident', 'declare "payments slow" sev3', { channel });
      const pointer = await privateAnswer(trigger);
      expect(pointer.body.response_type).toBe('ephemeral');
      expect(headerOf(pointer.body.blocks as unknown[])).toMatch(/^✅ INC-\d+ declared: #inc-\d{8}-payments-slow$/);
      const incident = (await rig.running.app.ports.incidents.listOpen()).find((i) => i.title === 'payments slow')!;
      const card = await cardIn(incident.channel!.id, /payments slow/);
      await rig.fake.waitFor(() => rig.fake.channel(incident.channel!.id)!.pins.has(card.ts) || undefined, RESULT_WAIT_MS);
      expect(rig.fake.channel(incident.channel!.id)!.topic).toBe('SEV3 · investigating · lead @Alice A · payments slow');
    },
    async drill() {
      // A synthetic alert through the real path: its card in #incidents ends resolved, the reply reports each hop.
      const channel = channelFor('drill');
      await rig.command('/drill', 'api', { channel });
      const report = await cardIn(channel.id, /the alert path works/);
      expect(headerOf(report.blocks)).toMatch(/^✅ 🧪 DRILL: the alert path works \(\d+(\.\d)? m?s\)$/);
      const text = JSON.stringify(report.blocks);
      expect(text).toMatch(/webhook stored alert group \d+ in #incidents/);
      expect(text).toContain('card posted on slack');
      expect(text).toContain('card shows it resolved');
      const card = [...rig.fake.messages.values()].find((m) => m.channel === 'CINCIDENTS' && headerOf(m.blocks).includes('🧪 DRILL · ') && headerOf(m.blocks).includes('FirebreakDrill (api)'));
      expect(headerOf(card!.blocks)).toBe('✅ 🧪 DRILL · Resolved: FirebreakDrill (api)');
      expect(await rig.running.app.ports.alerts.firing()).toEqual([]);
    },
    async maintenance() {
      const channel = channelFor('maintenance');
      await rig.command('/maintenance', 'start api 90m "Postgres upgrade"', { channel });
      const card = await cardIn(channel.id, /^(?!⏳)/);
      expect(headerOf(card.blocks)).toMatch(/^✅ 🔧 Maintenance #\d+ started: api until \d\d:\d\d UTC$/);
      const id = /#(\d+)/.exec(headerOf(card.blocks))![1]!;
      const stored = await rig.running.app.ports.maintenance!.get(id);
      expect(stored).toMatchObject({ services: ['api'], reason: 'Postgres upgrade', createdBy: 'Alice A', endedAt: null });
      await rig.command('/maintenance', `end ${id}`, { channel });
      await rig.fake.waitFor(() => [...rig.fake.messages.values()].some((m) => m.channel === channel.id && headerOf(m.blocks).includes(`Maintenance #${id} ended`)) || undefined, RESULT_WAIT_MS);
      expect((await rig.running.app.ports.maintenance!.get(id))?.endedAt).not.toBeNull();
      expect(await commandsRecorded(channel.id)).toEqual(expect.arrayContaining(['maintenance.started:', 'maintenance.ended:', 'command:ok']));
    },
  };

  it('drives every command in the registry (and no command is left out)', () => {
    expect(Object.keys(drive).sort()).toEqual(commands.map((c) => c.name).sort());
  });

  // Ordered so the cluster's state is known to each step: status reads it, then scale, rollback, restart change it.
  it.each(['health', 'help', 'run', 'status', 'scale', 'rollback', 'restart', 'procedure', 'backup', 'alerts', 'incident', 'timeline', 'maintenance', 'diagnose', 'drill'])(
    '/%s with real arguments gets its real result',
    async (name) => {
      const privateBefore = rig.fake.responsePosts.length;
      await drive[name]!();
      // Nothing anyone saw for this command was an error, a usage error or a refusal.
      const channel = channelFor(name).id;
      const shown = [
        ...rig.fake.callsOf('chat.postMessage').filter((c) => c.args.channel === channel),
        ...rig.fake.callsOf('chat.update').filter((c) => c.args.channel === channel),
        ...rig.fake.callsOf('chat.postEphemeral').filter((c) => c.args.channel === channel),
      ].map((c) => headerOf(c.args.blocks as unknown[]));
      const privately = rig.fake.responsePosts.slice(privateBefore).map((p) => headerOf(p.body.blocks as unknown[]));
      expect(shown.length + privately.length).toBeGreaterThan(0);
      for (const h of [...shown, ...privately]) expect(h).not.toMatch(/^❌|Invalid command|invalid arguments|which service|Unknown|Not allowed|Already/);
    },
    60_000,
  );
});
