import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRedactor, startFirebreak, type Running } from '../../src/main.js';
import { createLogger } from '../../src/logging/logger.js';
import { startFakeDiscordApi, type FakeDiscordApi } from '../fakes/discord-api.js';
import { commandInteraction, discordSigner, type DiscordSigner } from '../fakes/discord-signing.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github-api.js';
import { startFakeJira, type FakeJira } from '../fakes/jira-api.js';
import { startSlackFake, type SlackFake } from '../fakes/slack-api.js';
import { slashCommandBody, signSlack } from '../fakes/slack-signing.js';
import { configFrom, testRuntime } from '../support/app.js';
import { ALICE, BOB, INCIDENTS } from './slack-harness.js';
import { waitFor } from '../support/wait.js';

const WAIT_MS = 60_000; // generous: one Firebreak on PGlite with every sink, on a busy machine

const until = <T>(probe: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> => waitFor(probe, WAIT_MS, what);

/**
 * The secrets of this run. Each is typed, received or printed somewhere below; `needle` is the part
 * that must never be seen: a run of letters and digits, so that escaping (`\_`, `&amp;`, a
 * zero-width space) cannot hide a leak from the grep.
 */
const ENV_KEY = 'envKey7Qm2xZ9pL4wV'; // taken from the environment through ${NOTE_API_KEY}: the redactor knows the value
const SECRETS = {
  env: { text: ENV_KEY, needle: '7Qm2xZ9pL4wV' },
  github: { text: 'ghp_R8tY2uI9oP3aS6dF1gH4jK7lZ0xC5vB8nM2q', needle: 'R8tY2uI9oP3aS6dF1gH4jK7l' },
  openai: { text: 'sk-proj-Wq3Er6Ty9Ui2Op5As8Df', needle: 'Wq3Er6Ty9Ui2Op5As8Df' },
  slackToken: { text: 'xoxb-9988776655-Zx8Cv5Bn2Mq4', needle: '9988776655' },
  aws: { text: 'AKIAQWERTYUIOPASDFGH', needle: 'QWERTYUIOPASDFGH' },
  urlPassword: { text: 'postgres://app:Pa55w0rdUrl93@db.internal:5432/app', needle: 'Pa55w0rdUrl93' },
  keyValue: { text: 'password=KvSecret0x9Z7', needle: 'KvSecret0x9Z7' },
  bearer: { text: 'Authorization: Bearer BeArErTok3nQ81Lm', needle: 'BeArErTok3nQ81Lm' },
};
/** What Firebreak itself holds: tokens and signing secrets it must not repeat anywhere. */
const SLACK_BOT_TOKEN = 'xoxb-fake-bot-token-1234567890';
const SLACK_SIGNING = 'signing-secret-for-sinks-0123456789';
const DISCORD_BOT_TOKEN = 'discordBotTokenForSinks123';
const GH_TICKET_TOKEN = 'ghTicketToken55aa77bb';
const JIRA_TICKET_TOKEN = 'jiraTicketToken66cc88dd';
const LINK_SECRET = 'linkSecretForSinks0123456789abcdef0123';
const OWN = [SLACK_BOT_TOKEN, SLACK_SIGNING, DISCORD_BOT_TOKEN, GH_TICKET_TOKEN, JIRA_TICKET_TOKEN, LINK_SECRET];
const NEEDLES = [...Object.values(SECRETS).map((s) => s.needle), ...OWN];

const APP_ID = '1200000000000000001';
const GUILD = '900000000000000001';
const discordIncidents = { id: '500000000000000001', name: 'incidents' };
const carol = { id: '333333333333333333', username: 'carol' };

/** The leaks in one sink: which needles it contains, in any case (a channel name is a lowercased title). */
function leaks(sink: string): string[] {
  const text = sink.toLowerCase();
  return NEEDLES.filter((n) => text.includes(n.toLowerCase()));
}

/**
 * Item 4 of "Hardening II": one run that drives a set of secrets into every input — slash command
 * arguments on Slack and Discord, an incident title, notes, action items, alert labels and
 * annotations, a tool's output — and then greps every sink Firebreak writes to: what the Slack and
 * Discord fakes received, the console's stored messages, the logs, the timeline, the post-mortem
 * files, the GitHub and Jira tickets, the HTTP routes (the signed postmortem.md link among them)
 * and `/incident timeline`. None may contain any of them.
 */
describe('secrets never reach a sink', () => {
  let slack: SlackFake;
  let discord: FakeDiscordApi;
  let signer: DiscordSigner;
  let github: FakeGitHub;
  let jira: FakeJira;
  let running: Running;
  let dataDir: string;
  let filesDir: string;
  let base: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    slack = await startSlackFake({ botToken: SLACK_BOT_TOKEN, users: [ALICE, BOB], channels: [INCIDENTS] });
    signer = discordSigner();
    discord = await startFakeDiscordApi({ botToken: DISCORD_BOT_TOKEN, guildId: GUILD, channels: [discordIncidents] });
    github = await startFakeGitHub({ repos: ['acme/shop'], tokens: [GH_TICKET_TOKEN] });
    jira = await startFakeJira({ projects: { OPS: { issueTypes: ['Task'], subtaskTypes: ['Sub-task'] } }, users: { 'ops@acme.example': JIRA_TICKET_TOKEN } });
    dataDir = mkdtempSync(join(tmpdir(), 'fb-sinks-'));
    filesDir = mkdtempSync(join(tmpdir(), 'fb-sinks-postmortems-'));
    const runtime = testRuntime({
      port: 0,
      dataDir,
      logLevel: 'debug',
      linkSecret: LINK_SECRET,
      slack: { botToken: SLACK_BOT_TOKEN, signingSecret: SLACK_SIGNING, apiUrl: slack.apiUrl },
      discord: { applicationId: APP_ID, publicKey: signer.publicKeyHex, botToken: DISCORD_BOT_TOKEN, apiUrl: discord.apiUrl },
    });
    const loaded = configFrom(
      `
chat:
  incidents_channel: incidents
roles:
  responders: ["slack:${ALICE.id}", "slack:${BOB.id}", "discord:${carol.id}"]
actions:
  leak:
    description: A tool that prints what it was given and a secret from its environment
    confirm: false
    params: { msg: { type: string, pattern: "^[A-Za-z0-9_=:/@.-]+$" } }
    env: { API_KEY: "\${NOTE_API_KEY}" }
    argv: [node, -e, "console.log('arg', process.argv[1], 'env', process.env.API_KEY, 'dsn ${SECRETS.urlPassword.text}', '${SECRETS.bearer.text}')", "{msg}"]
    timeout_s: 20
postmortems:
  github: { repo: acme/shop, token: "${GH_TICKET_TOKEN}", api_url: "${github.url}" }
  jira: { url: "${jira.url}", project: OPS, issue_type: Task, subtask_type: Sub-task, email: ops@acme.example, token: "${JIRA_TICKET_TOKEN}" }
  directory: { path: "${filesDir}" }
`,
      { NOTE_API_KEY: ENV_KEY },
    );
    const sink = new Writable({ write: (chunk, _enc, cb) => (logLines.push(String(chunk)), cb()) });
    running = await startFirebreak(runtime, loaded, { host: '127.0.0.1', logger: createLogger('debug', buildRedactor(runtime, loaded), sink) });
    base = `http://127.0.0.1:${running.http.port}`;
  }, 120_000);

  afterAll(async () => {
    await running?.close();
    await Promise.all([slack?.close(), discord?.close(), github?.close(), jira?.close()]);
    for (const d of [dataDir, filesDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  let trigger = 0;
  async function slash(command: string, text: string, channel: { id: string; name: string }, user = ALICE): Promise<string> {
    const id = `${Date.now()}.${++trigger}.sinks`;
    const body = slashCommandBody({ command, text, user_id: user.id, user_name: user.name, channel_id: channel.id, channel_name: channel.name, trigger_id: id, response_url: slack.responseUrl(id) });
    const res = await fetch(`${base}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(SLACK_SIGNING, body) }, body });
    expect(res.status).toBe(200);
    return id;
  }
  async function discordCommand(name: string, options: unknown[], channel: { id: string; name: string }): Promise<string> {
    const body = JSON.stringify(commandInteraction(APP_ID, name, options, { user: carol, channel }));
    const res = await fetch(`${base}/discord/interactions`, { method: 'POST', headers: signer.headers(body), body });
    expect(res.status).toBe(200);
    return res.text();
  }
  const str = (name: string, value: string) => ({ name, type: 3, value });
  const timelineOf = (incidentId: string) => running.app.ports.timeline.list({ incidentId, limit: 5000 });
  const recorded = (incidentId: string, kind: string, count = 1) =>
    until(async () => ((await timelineOf(incidentId)).filter((e) => e.kind === kind).length >= count ? true : undefined), `${kind} on ${incidentId}`);

  it('typed, received and printed secrets are masked in chat, console, logs, timeline, files, tickets and HTTP', async () => {
    const s = SECRETS;
    // 1. An incident declared on Slack with secrets in its title: its channel, topic, card, announcement.
    await slash('/incident', `declare "db down ${s.urlPassword.text} key ${s.env.text}" sev2`, INCIDENTS);
    const incident = await until(async () => (await running.app.ports.incidents.listOpen()).find((i) => i.channel?.own && i.channel.platform === 'slack'), 'the Slack incident');
    const channel = { id: incident.channel!.id, name: incident.channel!.name };

    // 2. In its channel: a note, an action item, a tool run with a secret argument and secret output.
    await slash('/incident', `note "tool said ${s.github.text} and ${s.openai.text}"`, channel);
    await recorded(incident.id, 'note');
    await slash('/incident', `action "rotate ${s.aws.text} and ${s.keyValue.text}"`, channel);
    await until(async () => ((await running.app.ports.incidents.listActionItems(incident.id)).length > 0 ? true : undefined), 'the action item');
    await slash('/run', `leak msg=${s.slackToken.text}`, channel);
    await until(async () => ((await timelineOf(incident.id)).some((e) => e.kind === 'command' && e.text?.startsWith('/run leak') && e.exitCode === 0) ? true : undefined), 'the tool run on Slack');

    // 3. An alert whose labels and annotations carry secrets: stored, carded, linked to nothing.
    const alert = await fetch(`${base}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        groupKey: '{}:{alertname="DbDown"}',
        status: 'firing',
        receiver: 'firebreak',
        groupLabels: { alertname: 'DbDown' },
        commonLabels: { alertname: 'DbDown', service: 'api', dsn: s.urlPassword.text },
        commonAnnotations: { summary: `key ${s.env.text} leaked`, description: `${s.keyValue.text} ${s.bearer.text} ${s.github.text}` },
        externalURL: 'http://alertmanager:9093',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'DbDown', service: 'api', dsn: s.urlPassword.text, token: s.openai.text },
            annotations: { summary: `key ${s.env.text} leaked`, description: `${s.keyValue.text} ${s.bearer.text} ${s.github.text}` },
            startsAt: new Date().toISOString(),
            endsAt: '0001-01-01T00:00:00Z',
            generatorURL: 'http://prometheus:9090/graph',
            fingerprint: 'fp-dbdown',
          },
        ],
      }),
    });
    expect(alert.status).toBe(200);
    await until(() => [...slack.messages.values()].find((m) => m.channel === INCIDENTS.id && JSON.stringify(m.blocks).includes('DbDown')), 'the alert card on Slack');

    // 4. On Discord: a tool run and an incident whose title carries a secret (its channel topic too).
    await discordCommand('run', [str('action', 'leak'), str('params', `msg=${s.aws.text}`)], discordIncidents);
    await until(async () => ((await running.app.ports.timeline.list({ limit: 5000 })).some((e) => e.kind === 'command' && e.text?.startsWith('/run leak') && e.actor.id === carol.id && e.exitCode === 0) ? true : undefined), 'the Discord tool run');
    await discordCommand('incident', [{ name: 'declare', type: 1, options: [str('title', `cache ${s.openai.text}`), str('severity', 'sev3')] }], discordIncidents);
    const onDiscord = await until(async () => (await running.app.ports.incidents.listOpen()).find((i) => i.channel?.own && i.channel.platform === 'discord'), 'the Discord incident');
    await until(() => (discord.channel(onDiscord.channel!.id)?.topic ? true : undefined), 'the Discord topic');

    // 5. /incident timeline, then resolve: the post-mortem is drafted, filed (GitHub, Jira, a file) and linked.
    const asked = await slash('/incident', 'timeline', channel);
    const timelineReply = await until(
      // In the channel it may be "Running /incident timeline…" edited into the reply (a slow run): the message as shown.
      () => slack.responsePosts.find((p) => p.id === asked) ?? [...slack.messages.values()].find((m) => m.channel === channel.id && JSON.stringify(m).includes('Timeline')),
      'the /incident timeline reply',
    );
    await slash('/incident', 'resolve', channel, BOB);
    await until(() => (readdirSync(filesDir).length > 0 && github.issues.get('acme/shop')?.length && jira.issues.length ? true : undefined), 'the post-mortem filed in all three');
    const card = await until(() => [...slack.messages.values()].find((m) => m.channel === channel.id && JSON.stringify(m.blocks).includes('Post-mortem draft')), 'the post-mortem card');
    const link = /https?:\/\/[^\s"|>]*postmortem\.md\?exp=\d+&(?:amp;)?sig=[A-Za-z0-9_-]{43}/.exec(JSON.stringify(card.blocks))?.[0]?.replace('&amp;', '&');
    expect(link, 'the card links the signed draft').toBeDefined();

    // The inputs reached what they should have: the draft has the action item and the note, masked.
    const served = await fetch(`${base}${new URL(link!).pathname}${new URL(link!).search}`);
    expect(served.status).toBe(200);
    const markdown = await served.text();
    expect(markdown).toContain('rotate AKIA');
    expect(markdown).toContain('tool said ghp\\_');

    // Now every sink.
    const sinks: Record<string, string> = {
      'Slack (Web API calls and response_url posts)': JSON.stringify([slack.calls.map((c) => c.args), slack.responsePosts.map((p) => p.body)]),
      'Slack channels (topics)': JSON.stringify([INCIDENTS.id, channel.id].map((id) => slack.channel(id))),
      'Discord (REST bodies)': JSON.stringify(discord.calls.map((c) => c.body)),
      'Discord channels (topics)': JSON.stringify(onDiscord.channel ? discord.channel(onDiscord.channel.id) : null),
      'console (stored messages and channels)': JSON.stringify([
        await running.app.db.query('SELECT reply FROM console_messages'),
        await running.app.db.query('SELECT name, topic FROM console_channels'),
      ]),
      logs: logLines.join(''),
      timeline: JSON.stringify(await running.app.ports.timeline.list({ limit: 5000 })),
      '/incident timeline': JSON.stringify(timelineReply),
      'post-mortem files': readdirSync(filesDir)
        .map((f) => readFileSync(join(filesDir, f), 'utf8'))
        .join('\n'),
      'GitHub issues (bodies)': JSON.stringify(github.requests.map((r) => r.raw)),
      'Jira issues (bodies)': JSON.stringify(jira.requests.map((r) => r.raw)),
      'GET /incidents/:id/postmortem.md': markdown,
    };
    for (const path of ['/healthz', '/readyz', '/metrics']) sinks[`GET ${path}`] = await (await fetch(`${base}${path}`)).text();

    // Each sink saw this run (a grep of an empty sink proves nothing).
    expect(sinks['Slack (Web API calls and response_url posts)']).toContain('db down');
    expect(sinks['Discord (REST bodies)']).toContain('cache');
    expect(sinks['console (stored messages and channels)']).not.toBe('[[],[]]');
    expect(sinks.logs).toContain('"msg"');
    expect(sinks['/incident timeline']).toContain('note');
    expect(sinks['post-mortem files']).toContain('rotate AKIA');
    expect(sinks['GitHub issues (bodies)']).toContain('rotate AKIA');
    expect(sinks['Jira issues (bodies)']).toContain('rotate AKIA');
    expect(sinks.timeline).toContain('leak');

    const found = Object.entries(sinks)
      .map(([name, text]) => [name, leaks(text)] as const)
      .filter(([, l]) => l.length > 0);
    expect(found).toEqual([]);
  }, 240_000);
});
