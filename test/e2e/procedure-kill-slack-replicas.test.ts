import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActionsBody, signSlack, slashCommandBody } from '../fakes/slack-signing.js';
import type { SlackFake } from '../fakes/slack-api.js';
import { createTestDatabase } from '../support/postgres.js';
import { killPidInFile, readPid } from '../support/pid-file.js';
import { waitFor } from '../support/wait.js';
import { ALICE, BOT_TOKEN, buttonsOf, clickPayload, headerOf, INCIDENTS, nextTrigger, SIGNING_SECRET, startDefaultFake } from './slack-harness.js';

const BIN = resolve('bin/firebreak.js');
const SLOW_TOOL = resolve('test/fakes/slow-tool.mjs');

interface Replica {
  port: number;
  proc: ResultPromise;
  stderr: () => string;
}

/**
 * Two `firebreak start` replicas on one PostgreSQL behind one Slack app. Alice runs a procedure on
 * replica A and confirms it there; A is SIGKILLed while step 1's tool runs. Replica B, which never
 * saw the run, marks the step interrupted (not re-run), posts the run's card in the channel with
 * Retry / Skip / Abort, and takes Skip on it.
 */
describe('a procedure on a SIGKILLed firebreak start replica, picked up by the other (Slack)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-proc-kill-slack-'));
  const marker = join(dir, 'tool-started');
  const callsLog = join(dir, 'calls.jsonl');
  let fake: SlackFake;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const replicas: Replica[] = [];
  const calls = () => (existsSync(callsLog) ? readFileSync(callsLog, 'utf8').trim().split('\n').filter(Boolean) : []);

  async function startReplica(env: Record<string, string>, name: string): Promise<Replica> {
    const proc = execa('node', [BIN, 'start'], { env: { ...env, PORT: '0', FIREBREAK_DATA_DIR: join(dir, name) }, extendEnv: false, reject: false });
    let err = '';
    proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const port = await waitFor(() => Number(/Firebreak is running on http:\/\/localhost:(\d+)/.exec(err)?.[1]) || null, 90_000, `replica ${name} to come up`);
    return { port, proc, stderr: () => err };
  }
  const post = (r: Replica, body: string) => fetch(`http://127.0.0.1:${r.port}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(SIGNING_SECRET, body) }, body });
  const inChannel = () => [...fake.messages.values()].filter((m) => m.channel === INCIDENTS.id);

  beforeAll(async () => {
    fake = await startDefaultFake();
    db = await createTestDatabase('fb_proc_kill_slack');
    const config = join(dir, 'firebreak.yml');
    writeFileSync(
      config,
      `
chat:
  incidents_channel: incidents
roles:
  responders: ["slack:${ALICE.id}"]
actions:
  slow-drain:
    description: Drain the queue slowly
    argv: [node, ${JSON.stringify(SLOW_TOOL)}, ${JSON.stringify(marker)}, "300", ${JSON.stringify(callsLog)}]
    timeout_s: 600
procedures:
  drain:
    description: Drain the queue, then tell the team
    steps:
      - run: "/run slow-drain"
      - manual: "Tell the team the queue is drained"
`,
    );
    const env = { PATH: process.env.PATH ?? '', HOME: dir, LOG_LEVEL: 'warn', FIREBREAK_CONFIG: config, DATABASE_URL: db.url, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.apiUrl };
    replicas.push(await startReplica(env, 'a'));
    replicas.push(await startReplica(env, 'b'));
  }, 200_000);

  afterAll(async () => {
    for (const r of replicas) {
      r.proc.kill('SIGKILL');
      await r.proc.catch(() => {});
    }
    killPidInFile(marker);
    await fake?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replica B marks the step interrupted, does not run it again, and its card takes Skip', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const trigger = nextTrigger();
    const slash = slashCommandBody({ command: '/procedure', text: 'drain', user_id: ALICE.id, user_name: ALICE.name, channel_id: INCIDENTS.id, channel_name: INCIDENTS.name, trigger_id: trigger, response_url: fake.responseUrl(trigger) });
    expect((await post(a, slash)).status).toBe(200);
    const confirmation = await fake.waitFor(() => inChannel().find((m) => headerOf(m.blocks).includes('Run procedure drain (2 steps)?')), 60_000);
    const confirm = buttonsOf(confirmation.blocks).find((x) => x.text.text === 'Run procedure')!.action_id;
    expect((await post(a, blockActionsBody(clickPayload(fake, confirm, { channel: INCIDENTS.id, ts: confirmation.ts })))).status).toBe(200);
    await waitFor(() => readPid(marker), 90_000, 'step 1’s tool to start on replica A');
    a.proc.kill('SIGKILL');
    await a.proc.catch(() => {});

    // The run lease expires within 30 s of the kill; B sweeps every 15 s.
    const card = await fake.waitFor(() => inChannel().find((m) => headerOf(m.blocks).includes('Procedure drain: step 1 of 2 was interrupted — outcome unknown')), 120_000);
    const buttons = buttonsOf(card.blocks);
    expect(buttons.map((x) => x.text.text)).toEqual(['Retry step', 'Skip step', 'Abort']);
    expect(JSON.stringify(card.blocks)).toContain('what it changed is unknown');
    expect(calls()).toHaveLength(1);
    expect(b.stderr()).toMatch(/procedure drain \(run \w+\) was running on a process that stopped: marked interrupted/);

    expect((await post(b, blockActionsBody(clickPayload(fake, buttons[1]!.action_id, { channel: INCIDENTS.id, ts: card.ts })))).status).toBe(200);
    await fake.waitFor(() => headerOf(fake.messages.get(`${INCIDENTS.id}:${card.ts}`)?.blocks).includes('Procedure drain: step 2 of 2 waits for a person'), 60_000);
    expect(calls()).toHaveLength(1);
    // Posted once (however many sweeps ran), then edited in place by the press.
    const posts = fake.callsOf('chat.postMessage', true).filter((c) => headerOf(c.args.blocks as unknown[] | undefined).includes('was interrupted'));
    expect(posts).toHaveLength(1);
  }, 300_000);
});
