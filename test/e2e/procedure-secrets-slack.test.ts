import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActionsBody } from '../fakes/slack-signing.js';
import { ALICE, BOB, buttonsOf, headerOf, INCIDENTS, startSlackRig, type SlackRig } from './slack-harness.js';

const WAIT_MS = 60_000;
/** The secret typed in the modal; the needle is a run of letters and digits no escaping can hide. */
const NEW_KEY = 'sk-slackProc5Hj2Kl8Zx4Cv';
const NEEDLE = 'slackProc5Hj2Kl8Zx4Cv';

/**
 * Runbook 004's key rotation as a procedure from Slack: `/procedure rotate` opens the same private
 * modal /run does; after Confirm its /run step gets the key (passed by name) in the tool's
 * environment, and no sink — the channel, the Web API calls, the timeline, the stored run, the log — shows it.
 */
describe('procedure secret params from Slack: a modal, never the channel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-slack-proc-secret-'));
  const envFile = join(dir, 'env.json');
  const logLines: string[] = [];
  let rig: SlackRig;

  beforeAll(async () => {
    const sink = new Writable({ write: (chunk, _enc, cb) => (logLines.push(String(chunk)), cb()) });
    rig = await startSlackRig(
      `
chat:
  incidents_channel: incidents
roles:
  responders: ["slack:${ALICE.id}", "slack:${BOB.id}"]
actions:
  rotate-key:
    description: Rotate the OpenAI key (runbook 004)
    params:
      store: { type: string, pattern: "store-[0-9]+" }
      new_key: { type: string, secret: true, pattern: "sk-[A-Za-z0-9_-]{8,}", description: the new OpenAI key }
    env: { OPENAI_API_KEY: "{new_key}" }
    argv: [node, test/fakes/record-env.mjs, "${envFile}"]
procedures:
  rotate:
    description: Rotate the key in one store
    params:
      store: { type: string, pattern: "store-[0-9]+" }
      new_key: { type: string, secret: true, pattern: "sk-[A-Za-z0-9_-]{8,}", description: the new OpenAI key }
    steps:
      - run: /run rotate-key store={store}
`,
      'http',
      { logLevel: 'debug', logDestination: sink },
    );
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens the modal, runs the step with the submitted key in env after Confirm, and shows it nowhere', { timeout: 180_000 }, async () => {
    const { res, trigger } = await rig.slash('/procedure', 'rotate store=store-7');
    expect(res.status).toBe(200);
    const opened = await rig.fake.waitFor(() => rig.fake.views[0], WAIT_MS);
    expect(opened.triggerId).toBe(trigger);
    const inputs = (opened.view.blocks as { type: string; block_id?: string; label?: { text: string } }[]).filter((b) => b.type === 'input');
    expect(inputs.map((b) => [b.block_id, b.label?.text])).toEqual([['new_key', 'new_key: the new OpenAI key']]);
    // Asking posts nothing to the channel.
    expect([...rig.fake.messages.values()].filter((m) => m.channel === INCIDENTS.id)).toEqual([]);

    const submission = {
      type: 'view_submission',
      team: { id: 'T1', domain: 'fake' },
      user: { id: ALICE.id, username: ALICE.name, name: ALICE.name, team_id: 'T1' },
      api_app_id: 'A1',
      token: 'verification-token-unused',
      trigger_id: `${trigger}.submit`,
      view: { ...opened.view, id: `V${Date.now()}`, state: { values: { new_key: { value: { type: 'plain_text_input', value: NEW_KEY } } } }, hash: '1' },
    };
    const submitted = await rig.post(blockActionsBody(submission));
    expect(submitted.status).toBe(200);
    const card = await rig.fake.waitFor(() => [...rig.fake.messages.values()].find((m) => m.channel === INCIDENTS.id && headerOf(m.blocks).includes('Run procedure rotate with store=store-7')), WAIT_MS);
    expect(JSON.stringify(card.blocks)).toContain('•••••• (given privately)');
    const confirm = buttonsOf(card.blocks).find((b) => b.action_id.startsWith('confirm:'))!;
    await rig.click(confirm.action_id, { channel: card.channel, ts: card.ts }, { user: BOB, label: confirm.text.text });
    await rig.fake.waitFor(() => existsSync(envFile) && [...rig.fake.messages.values()].some((m) => headerOf(m.blocks).includes('Procedure rotate: all')), WAIT_MS);

    // The tool had the key, in its environment…
    expect(existsSync(envFile)).toBe(true);
    expect((JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>).OPENAI_API_KEY).toBe(NEW_KEY);
    // …and no sink has it.
    const timeline = JSON.stringify(await rig.running.app.db.query('SELECT * FROM timeline_events'));
    const confirmations = JSON.stringify(await rig.running.app.db.query('SELECT * FROM confirmations'));
    const runs = JSON.stringify(await rig.running.app.db.query('SELECT * FROM procedure_runs'));
    expect(runs).toContain('"sealed"');
    expect(timeline).toContain('rotate-key');
    expect(logLines.length).toBeGreaterThan(0);
    for (const [sink, text] of Object.entries({
      calls: JSON.stringify(rig.fake.calls.filter((c) => c.method !== 'views.open')),
      messages: JSON.stringify([...rig.fake.messages.values()]),
      ephemerals: JSON.stringify(rig.fake.ephemerals),
      responsePosts: JSON.stringify(rig.fake.responsePosts),
      timeline,
      confirmations,
      runs,
      log: logLines.join(''),
    })) {
      expect(text.includes(NEEDLE), `${sink} holds the secret`).toBe(false);
    }
  });
});
