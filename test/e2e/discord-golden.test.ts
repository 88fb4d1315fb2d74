import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discordCommands, discordMessageCommands } from '../../src/chat/discord/command-definitions.js';
import { quietMassMentions, renderDiscord } from '../../src/chat/discord/render.js';
import { commands } from '../../src/commands/index.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { Redactor } from '../../src/core/redact.js';
import type { Reply } from '../../src/core/reply.js';
import { configFrom } from '../support/app.js';

/**
 * Golden files: the exact JSON Firebreak sends to Discord. A change here is a change users see.
 * After an intended change (e.g. a new command), regenerate with:
 *   UPDATE_GOLDEN=1 npx vitest run test/e2e/discord-golden.test.ts
 */
const GOLDEN = resolve('test/golden/discord');
const plain = new Redactor();

function golden(name: string, value: unknown): void {
  const file = join(GOLDEN, name);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  expect(text, `${file} differs; if intended, run UPDATE_GOLDEN=1 npx vitest run test/e2e/discord-golden.test.ts`).toBe(readFileSync(file, 'utf8'));
}

const example = configFrom(readFileSync('firebreak.example.yml', 'utf8'), {
  DATABASE_URL: 'postgres://firebreak:secret@db.internal:5432/app',
  REDIS_URL: 'redis://cache.internal:6379',
  CONDUIT_MASTER_KEY: 'ck-example',
  LITELLM_MASTER_KEY: 'lk-example',
  LITELLM_DB_PASSWORD: 'ldp-example',
  RAILWAY_TOKEN: 'rw-example',
  GITHUB_TOKEN: 'gh-example',
  ALERTS_TOKEN: 'alerts-token-example-1234',
  PAGERDUTY_ROUTING_KEY: 'pd-example',
}).config;

describe('Discord application commands generated from the command specs', () => {
  const defs = discordCommands(new CommandRegistry(commands), example);

  it('matches the golden file for every registered command (firebreak.example.yml)', () => {
    expect(defs.map((d) => d.name)).toEqual(commands.map((c) => c.name));
    golden('commands.json', defs);
    golden('message-commands.json', discordMessageCommands());
  });

  it('keeps within Discord limits: required options first, ≤ 25 choices, descriptions ≤ 100 chars', () => {
    type Opt = { type: number; name: string; description: string; required?: boolean; choices?: unknown[]; options?: Opt[] };
    const check = (opts: Opt[] = []) => {
      const required = opts.map((o) => !!o.required);
      expect(required).toEqual([...required].sort((a, b) => Number(b) - Number(a)));
      for (const o of opts) {
        expect(o.description.length).toBeLessThanOrEqual(100);
        expect(o.name).toMatch(/^[-_a-z0-9]{1,32}$/);
        expect((o.choices ?? []).length).toBeLessThanOrEqual(25);
        if (o.type === 1) check(o.options);
      }
    };
    for (const d of defs) {
      expect(d.description.length).toBeLessThanOrEqual(100);
      check(d.options as Opt[] | undefined);
    }
  });

  it('bounds /scale replicas by the smallest min and largest max of the services it can scale', () => {
    const replicasOf = (defs: ReturnType<typeof discordCommands>) =>
      (defs.find((d) => d.name === 'scale')!.options as { name: string; min_value?: number; max_value?: number }[]).find((o) => o.name === 'replicas')!;
    // firebreak.example.yml: api 2–30, litellm 1–6.
    expect(replicasOf(defs)).toMatchObject({ min_value: 1, max_value: 30 });
    const cfg = configFrom(`
services:
  a: { deploy: { kind: kubernetes, namespace: ns, deployment: a }, replicas: { min: 3, max: 8 } }
  b: { deploy: { kind: kubernetes, namespace: ns, deployment: b }, replicas: { min: 2, max: 5 } }
  unscalable: { replicas: { min: 0, max: 500 } }
`).config;
    expect(replicasOf(discordCommands(new CommandRegistry(commands), cfg))).toMatchObject({ min_value: 2, max_value: 8 });
    const none = replicasOf(discordCommands(new CommandRegistry(commands), configFrom('services: {}\n').config));
    expect(none.min_value).toBe(0);
    expect(none.max_value).toBeUndefined();
  });

  it('offers the configured names as choices where a spec lists them', () => {
    const health = defs.find((d) => d.name === 'health')!;
    const service = (health.options as { name: string; choices?: { value: string }[] }[]).find((o) => o.name === 'service')!;
    expect(service.choices?.map((c) => c.value)).toEqual(expect.arrayContaining(['api', 'litellm', 'postgres', 'cache']));
  });
});

const confirmId = 'confirm:4f1c2a9b8e7d6c5b4a39';
/** What a hostile user or tool output might say: a mass mention, a user and a role mention, two kinds of disguised link. */
const HOSTILE = '<!channel> <@U123> <@111111111111111111> <@&222> <https://evil|click> [click](https://evil) & @everyone @here *bold* _it_ ~struck~ `x` ||spoiler|| \u202Egnp.exe\u202C';
const replies: Record<string, Reply> = {
  // Nothing in it pings (allowed_mentions is empty; embeds never ping) and the masked link shows as typed.
  'hostile-text': {
    title: `Run note with msg=${HOSTILE}?`,
    status: 'pending',
    rows: [{ status: 'error', cells: ['@here', HOSTILE] }],
    fields: [{ label: '@everyone', value: HOSTILE }],
    text: HOSTILE,
    code: HOSTILE,
    context: `Requested by ${HOSTILE}`,
    buttons: [{ actionId: 'confirm:0123456789abcdef0123', label: HOSTILE, style: 'danger' }],
  },
  'health-ok': {
    title: 'Health — 3 of 3 checks OK (checked in 212 ms)',
    status: 'ok',
    rows: [
      { status: 'ok', cells: ['api', 'http', '87 ms', 'https://api.conduit.example.com/health/ready, 200 OK'] },
      { status: 'ok', cells: ['postgres', 'postgres', '12 ms', 'db.internal:5432/app, 14 connections'] },
      { status: 'ok', cells: ['cache', 'redis', '3 ms', 'cache.internal:6379, 1.2 MB used'] },
    ],
    buttons: [{ actionId: 'run:/health', label: 'Re-check' }],
  },
  'health-failed': {
    title: 'Health — 1 of 2 checks OK (checked in 2004 ms)',
    status: 'error',
    rows: [
      { status: 'error', cells: ['api', 'http', 'timeout after 2000 ms', 'https://api.conduit.example.com/health/ready'] },
      { status: 'ok', cells: ['cache', 'redis', '3 ms', 'cache.internal:6379, 1.2 MB used'] },
    ],
    text: 'Failing: api',
    buttons: [{ actionId: 'run:/health', label: 'Re-check' }],
  },
  confirmation: {
    title: 'Roll back api from revision 14 to 13?',
    status: 'pending',
    fields: [
      { label: 'Current', value: 'revision 14 · ghcr.io/acme/api:1.8.2' },
      { label: 'Target', value: 'revision 13 · ghcr.io/acme/api:1.8.1' },
    ],
    code: 'kubectl --context prod-eu -n conduit rollout undo deployment/conduit-api --to-revision=13',
    context: 'Requested by alice · expires in 10 min',
    buttons: [
      { actionId: confirmId, label: 'Roll back', style: 'danger', confirm: { title: 'Are you sure?', text: 'Roll back api?', confirm: 'Roll back', deny: 'Back' } },
      { actionId: 'cancel:4f1c2a9b8e7d6c5b4a39', label: 'Cancel' },
    ],
  },
  denial: {
    title: 'Not allowed: /rollback',
    status: 'error',
    text: '/rollback needs the "responders" role, which mallory does not have. Ask an admin to add "discord:333" to roles.responders in the Firebreak config. Nothing was run.',
    ephemeral: true,
  },
  help: {
    title: 'Firebreak commands',
    status: 'info',
    rows: [
      { status: 'info', cells: ['/health [SERVICE]', 'Check every service and datastore: up/down, latency, what failed'] },
      { status: 'info', cells: ['/help [COMMAND]', 'List the commands and how to use them'] },
      { status: 'info', cells: ['/run ACTION [key=value …]', 'Run a custom action from the config'] },
    ],
    context: 'Commands that change things ask for confirmation first. /help COMMAND for details.',
    ephemeral: true,
  },
  'alert-many-buttons': {
    title: 'FIRING: api 5xx above 5%',
    status: 'warning',
    text: 'error rate 7.2% for 5m',
    buttons: [
      { actionId: 'ack:g1', label: 'Acknowledge', style: 'primary' },
      { actionId: 'incident:g1', label: 'Open incident' },
      { actionId: 'silence:g1', label: 'Silence 1h' },
      { actionId: 'run:/rollback api', label: 'Roll back', style: 'danger' },
      { actionId: 'run:/scale api 10', label: 'Scale to 10' },
      { actionId: 'run:/run reset-circuit provider=openai', label: 'Reset circuit' },
      { actionId: 'run:/health api', label: 'Re-check' },
    ],
  },
  // An escalation step: the on-call role and a user are pinged through content, and allowed_mentions
  // names exactly them; the hostile text in the embed still pings no one.
  'escalation-mention': {
    title: 'ProviderDown unacknowledged for 5 min',
    status: 'warning',
    text: `⏰ Escalation step 1 of 2. ${HOSTILE}`,
    mentions: [
      { platform: 'discord', kind: 'group', id: '222222222222222222' },
      { platform: 'discord', kind: 'user', id: '111111111111111111' },
      { platform: 'discord', kind: 'user', id: '1> @everyone <@2' },
      { platform: 'slack', kind: 'group', id: 'S0ONCALL' },
    ],
  },
};

describe('Reply → Discord embeds and action rows', () => {
  for (const [name, reply] of Object.entries(replies)) {
    it(`renders ${name} like the golden file`, () => golden(`reply-${name}.json`, renderDiscord(reply, plain)));
  }

  it('puts at most five buttons in a row, destructive ones red, and colours by status', () => {
    const m = renderDiscord(replies['alert-many-buttons']!, plain);
    expect(m.components.map((r) => r.components.length)).toEqual([5, 2]);
    const conf = renderDiscord(replies.confirmation!, plain);
    const [confirm, cancel] = conf.components[0]!.components as { style: number; custom_id: string }[];
    expect(confirm!.style).toBe(4);
    expect(confirm!.custom_id).toBe(confirmId);
    expect(cancel!.style).toBe(2);
    expect(conf.embeds[0]!.color).toBe(0x99aab5);
    expect(renderDiscord(replies['health-failed']!, plain).embeds[0]!.color).toBe(0xe01e5a);
    expect(renderDiscord(replies.denial!, plain).flags).toBe(64);
    expect(renderDiscord(replies['health-ok']!, plain).flags).toBeUndefined();
  });

  it('typed text cannot ping or disguise a link: no mentions allowed, masked links broken, mass mentions quieted in content', () => {
    const m = renderDiscord(replies['hostile-text']!, plain);
    expect(m.allowed_mentions).toEqual({ parse: [] });
    expect(m.content).toBeUndefined();
    // Where Discord renders markdown: the title, the description outside the code block, field values.
    const embed = m.embeds[0]!;
    const rendered = [embed.title, embed.description!.replace(/```[\s\S]*```/, ''), ...embed.fields!.map((f) => f.value)];
    for (const text of rendered) expect(text).toContain('[click]\u200b(https://evil)');
    expect(quietMassMentions('@everyone and @here, not @herein')).toBe('@\u200beveryone and @\u200bhere, not @herein');
  });

  it("a Reply's own mentions ping through content, allowed by id and nothing else", () => {
    const m = renderDiscord(replies['escalation-mention']!, plain);
    expect(m.content).toBe('<@111111111111111111> <@&222222222222222222>');
    expect(m.allowed_mentions).toEqual({ parse: [], users: ['111111111111111111'], roles: ['222222222222222222'] });
    expect(JSON.stringify(m)).not.toContain('S0ONCALL');
  });

  it('never lets command output ping anyone, and keeps long output within embed limits', () => {
    const m = renderDiscord({ title: 'x', status: 'error', text: '@everyone look', code: 'line\n'.repeat(5000) }, plain);
    expect(m.allowed_mentions).toEqual({ parse: [] });
    expect(m.embeds[0]!.description!.length).toBeLessThanOrEqual(4096);
    expect(m.embeds[0]!.description).toMatch(/```$/);
  });
});
