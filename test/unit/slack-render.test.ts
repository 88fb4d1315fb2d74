import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderBlocks, slackLimits, type Block, type RenderMeta } from '../../src/chat/slack/render.js';
import { nameSchema } from '../../src/config/schema.js';
import { actionIds } from '../../src/core/dispatcher.js';
import { Redactor } from '../../src/core/redact.js';
import type { Reply } from '../../src/core/reply.js';

/**
 * Golden files: the Block Kit JSON for each Reply shape, compared to committed files in
 * test/golden/slack/. After an intended change, regenerate with UPDATE_GOLDEN=1 and review the diff.
 */
const dir = new URL('../golden/slack/', import.meta.url);
const plain = { redactor: new Redactor() };
/** What a hostile user or tool output might say: a mass mention, a user and a role mention, two kinds of disguised link,
 * formatting, and a bidi override that would show "exe.png". */
const HOSTILE = '<!channel> <@U123> <@&222> <https://evil|click> [click](https://evil) & @everyone @here *bold* _it_ ~struck~ `x` ||spoiler|| \u202Egnp.exe\u202C';

const shapes: Record<string, { reply: Reply; meta?: RenderMeta }> = {
  'health-ok': {
    reply: {
      title: 'Health — 3 of 3 checks OK (checked in 41 ms)',
      status: 'ok',
      rows: [
        { status: 'ok', cells: ['api', 'http', '12 ms', 'https://api.example.com/health, 200 OK'] },
        { status: 'ok', cells: ['postgres', 'postgres', '3 ms', '(embedded)'] },
        { status: 'ok', cells: ['cache', 'redis', '1 ms', 'redis://cache:6379, 1.2 MB used'] },
      ],
      buttons: [{ actionId: 'run:/health', label: 'Re-check' }],
    },
    meta: { by: { userId: 'U024BE7LH', did: 'ran', what: '/health' } },
  },
  'health-failed': {
    reply: {
      title: 'Health — 1 of 2 checks OK (checked in 2003 ms)',
      status: 'error',
      rows: [
        { status: 'ok', cells: ['api', 'http', '12 ms', 'https://api.example.com/health'] },
        { status: 'error', cells: ['gateway', 'http', 'timeout after 2000 ms', 'https://gw.example.com/health?x=<1>&y=2'] },
      ],
      text: 'Failing: gateway',
      buttons: [{ actionId: 'run:/health', label: 'Re-check' }],
    },
    meta: { by: { userId: 'U024BE7LH', did: 'ran', what: '/health' } },
  },
  confirmation: {
    reply: {
      title: 'Roll back api from revision 14 to 13?',
      status: 'pending',
      fields: [
        { label: 'Current', value: 'rev 14 · ghcr.io/acme/api:1.8.2' },
        { label: 'Target', value: 'rev 13 · ghcr.io/acme/api:1.8.1' },
      ],
      code: 'kubectl --context prod -n shop rollout undo deployment/api --to-revision=13',
      context: 'Requested by Alice A · expires in 10 min',
      buttons: [
        { actionId: 'confirm:3f9c0a1b2c3d4e5f6a7b', label: 'Roll back', style: 'danger', confirm: { title: 'Are you sure?', text: 'Roll back api from revision 14 to 13?', confirm: 'Roll back', deny: 'Back' } },
        { actionId: 'cancel:3f9c0a1b2c3d4e5f6a7b', label: 'Cancel' },
      ],
    },
    meta: { by: { userId: 'U024BE7LH', did: 'ran', what: '/rollback api' } },
  },
  'action-result': {
    reply: {
      title: 'Rolled back api to revision 13',
      status: 'ok',
      fields: [{ label: 'Duration', value: '41 s' }],
      code: 'deployment.apps/api rolled back\nWaiting for rollout to finish: 2 of 3 updated replicas are available...\ndeployment "api" successfully rolled out',
      context: 'Requested by Alice A · confirmed by Bob B',
    },
    meta: { by: { userId: 'U0BOB', did: 'pressed', what: 'Roll back' } },
  },
  'error-denial': {
    reply: {
      title: '/health is not allowed in #random',
      status: 'error',
      text: 'Firebreak commands run only in #incidents and incident channels (#inc-…). Nothing was run.',
      ephemeral: true,
    },
    meta: { by: { userId: 'U024BE7LH', did: 'ran', what: '/health' } },
  },
  'usage-error': {
    reply: { title: '/scale: invalid arguments', status: 'error', text: 'replicas: api allows 2–30 replicas. Usage: /scale SERVICE REPLICAS', ephemeral: true },
  },
  'help-list': {
    reply: {
      title: 'Firebreak commands',
      status: 'info',
      rows: [
        { status: 'info', cells: ['/health [SERVICE]', 'Check every service and datastore: up/down, latency, what failed'] },
        { status: 'info', cells: ['/help [COMMAND]', 'List the commands and how to use them'] },
        { status: 'info', cells: ['/rollback SERVICE [REVISION]', 'Roll a service back'] },
      ],
      context: 'Commands that change things ask for confirmation first. /help COMMAND for details.',
      ephemeral: true,
    },
  },
  running: { reply: { title: 'Running /backup now…', status: 'pending' }, meta: { by: { userId: 'U024BE7LH', did: 'ran', what: '/backup now' } } },
  // A second /rollback while the first runs: the lease holder, privately, as a warning (not an error).
  'already-running': {
    reply: {
      title: 'Already running',
      status: 'warning',
      text: 'Roll back api from revision 14 to 13? is already running, started by Alice A at 2026-11-25T14:02:11.000Z. Nothing was run; try again when it has finished.',
      ephemeral: true,
    },
    meta: { by: { userId: 'U0BOB', did: 'ran', what: '/rollback api' } },
  },
  // A restore needs a second person: the card says so in a text line between the fields and the command.
  'restore-confirmation': {
    reply: {
      title: 'Restore app@db.internal:5432/app from backup bk-1a2b3c4d (2026-11-25 03:00 UTC)?',
      status: 'pending',
      fields: [
        { label: 'Target database', value: 'app@db.internal:5432/app' },
        { label: 'Backup', value: 'bk-1a2b3c4d of app-db' },
        { label: 'Taken', value: '2026-11-25 03:00 UTC' },
        { label: 'Size', value: '41.2 MB' },
        { label: 'sha256', value: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' },
        { label: 'Location', value: 's3://backups/app-db/2026-11-25T03-00-00Z.dump.gz' },
        { label: 'Effect', value: 'Objects in the backup are dropped and recreated in one transaction; on any error nothing changes.' },
      ],
      code: 'pg_restore --dbname postgresql://app@db.internal:5432/app --single-transaction --clean --if-exists --no-owner',
      text: 'Needs a second person: someone other than Alice A with the "admins" role must confirm.',
      context: 'Requested by Alice A · expires in 10 min',
      buttons: [
        { actionId: 'confirm:7c1e2d3f4a5b6c7d8e9f', label: 'Restore', style: 'danger', confirm: { title: 'Are you sure?', text: 'Restore app@db.internal:5432/app from backup bk-1a2b3c4d (2026-11-25 03:00 UTC)?', confirm: 'Restore', deny: 'Back' } },
        { actionId: 'cancel:7c1e2d3f4a5b6c7d8e9f', label: 'Cancel' },
      ],
    },
    meta: { by: { userId: 'U024BE7LH', did: 'ran', what: '/backup restore bk-1a2b3c4d' } },
  },
  // The card after Confirm while the step runs: what runs (code) and who confirmed (context).
  progress: {
    reply: {
      title: 'Running: Roll back api from revision 14 to 13?',
      status: 'pending',
      context: 'Confirmed by Bob B',
      code: 'kubectl --context prod -n shop rollout undo deployment/api --to-revision=13',
    },
    meta: { by: { userId: 'U0BOB', did: 'pressed', what: 'Roll back' } },
  },
  cancelled: {
    reply: { title: 'Cancelled: Roll back api from revision 14 to 13?', status: 'info', text: 'Cancelled by Bob B. Nothing was run.' },
    meta: { by: { userId: 'U0BOB', did: 'pressed', what: 'Cancel' } },
  },
  // Typed and tool text in every part of a card: escaped wherever it is mrkdwn (plain_text shows it as
  // typed and parses nothing); the one real mention is Firebreak's own, of the person who ran it.
  'hostile-text': {
    reply: {
      title: `Run note with msg=${HOSTILE}?`,
      status: 'pending',
      rows: [{ status: 'error', cells: ['<!here>', HOSTILE] }],
      fields: [{ label: '<!channel>', value: HOSTILE }],
      text: HOSTILE,
      code: HOSTILE,
      context: `Requested by ${HOSTILE}`,
      buttons: [{ actionId: 'confirm:0123456789abcdef0123', label: HOSTILE, style: 'danger', confirm: { title: 'Are you sure?', text: HOSTILE, confirm: 'Run', deny: 'Back' } }],
    },
    meta: { by: { userId: 'U024BE7LH', did: 'ran', what: `/run note msg="${HOSTILE}"` } },
  },
  // An escalation step: the on-call user group and a member are pinged (Firebreak's own mentions),
  // hostile text beside them still is not; other platforms' mentions and ids that are not Slack ids are left out.
  'escalation-mention': {
    reply: {
      title: 'ProviderDown unacknowledged for 5 min',
      status: 'warning',
      text: `⏰ Escalation step 1 of 2. ${HOSTILE}`,
      mentions: [
        { platform: 'slack', kind: 'group', id: 'S0ONCALL' },
        { platform: 'slack', kind: 'user', id: 'U024BE7LH' },
        { platform: 'slack', kind: 'user', id: 'U1> <!channel' },
        { platform: 'discord', kind: 'group', id: '222222222222222222' },
      ],
    },
  },
};

describe('Block Kit golden files (test/golden/slack/)', () => {
  it.each(Object.keys(shapes))('%s', (name) => {
    const { reply, meta } = shapes[name]!;
    const rendered = renderBlocks(reply, meta ?? {}, plain);
    const file = new URL(`${name}.json`, dir);
    const text = `${JSON.stringify(rendered, null, 2)}\n`;
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, text);
    }
    expect(text).toBe(readFileSync(file, 'utf8'));
  });
});

function walk(blocks: Block[], visit: (b: Record<string, unknown>) => void): void {
  const go = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(go);
    else if (v && typeof v === 'object') {
      visit(v as Record<string, unknown>);
      Object.values(v).forEach(go);
    }
  };
  go(blocks);
}

describe('Block Kit limits and escaping', () => {
  it('destructive buttons are danger-styled with a confirm dialog; others are plain', () => {
    const { blocks } = renderBlocks(shapes.confirmation!.reply, {}, plain);
    const actions = blocks.find((b) => b.type === 'actions') as unknown as { elements: Record<string, unknown>[] };
    expect(actions.elements[0]).toMatchObject({ style: 'danger', confirm: { style: 'danger', confirm: { text: 'Roll back' }, deny: { text: 'Back' } } });
    expect(actions.elements[1]).not.toHaveProperty('confirm');
    expect(actions.elements[1]).not.toHaveProperty('style');
  });

  it('user and tool text cannot become links or mentions', () => {
    const { blocks } = renderBlocks({ title: 't', status: 'error', text: '<!channel> & <https://evil|click>', code: '<@U1>' }, {}, plain);
    const json = JSON.stringify(blocks);
    expect(json).not.toContain('<!channel>');
    expect(json).toContain('&lt;!channel&gt; &amp; &lt;https://evil|click&gt;');
    expect(json).toContain('&lt;@U1&gt;');
  });

  it('no mrkdwn Firebreak sends, the notification text included, holds a typed mention or link; its own mention of the asker stays one', () => {
    const { reply, meta } = shapes['hostile-text']!;
    const message = renderBlocks(reply, meta ?? {}, plain);
    const mrkdwn: string[] = [message.text];
    walk(message.blocks, (o) => {
      if (o.type === 'mrkdwn') mrkdwn.push(o.text as string);
    });
    expect(mrkdwn.length).toBeGreaterThan(5);
    const context = mrkdwn.at(-1)!;
    expect(context).toMatch(/ · <@U024BE7LH> ran `\/run note msg="&lt;!channel&gt; /);
    for (const text of [...mrkdwn.slice(0, -1), context.replace('<@U024BE7LH>', '')]) {
      expect(text).not.toMatch(/<[!@#]|<https?:/);
      expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    expect(message.text).toContain('&lt;!channel&gt;');
  });

  it("a Reply's own mentions are Slack mentions (members <@U…>, user groups <!subteam^S…>) in the blocks and the notification text; nothing else pings", () => {
    const message = renderBlocks(shapes['escalation-mention']!.reply, {}, plain);
    const pinged = (s: string) => s.match(/<[!@][^>]*>/g) ?? [];
    expect(pinged(message.text)).toEqual(['<!subteam^S0ONCALL>', '<@U024BE7LH>']);
    const mrkdwn: string[] = [];
    walk(message.blocks, (o) => {
      if (o.type === 'mrkdwn') mrkdwn.push(o.text as string);
    });
    expect(mrkdwn.flatMap(pinged)).toEqual(['<!subteam^S0ONCALL>', '<@U024BE7LH>']);
    expect(JSON.stringify(message)).not.toContain('222222222222222222');
  });

  it('stays within Slack limits for huge replies: ≤ 50 blocks, texts and ids cut, overlong action ids dropped', () => {
    const reply: Reply = {
      title: 'x'.repeat(500),
      status: 'ok',
      rows: Array.from({ length: 400 }, (_, i) => ({ status: 'ok' as const, cells: [`svc-${i}`, 'y'.repeat(300)] })),
      fields: Array.from({ length: 25 }, (_, i) => ({ label: `f${i}`, value: 'z'.repeat(3000) })),
      text: 'w'.repeat(10_000),
      code: 'line\n'.repeat(5000),
      context: 'c'.repeat(5000),
      buttons: [
        { actionId: 'a'.repeat(256), label: 'too long' },
        { actionId: 'ok', label: 'L'.repeat(200) },
      ],
    };
    const { blocks, text } = renderBlocks(reply, {}, plain);
    expect(blocks.length).toBeLessThanOrEqual(slackLimits.blocks);
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(blocks.at(-1)?.type).toBe('actions');
    walk(blocks, (o) => {
      if (o.type === 'header') expect((o.text as { text: string }).text.length).toBeLessThanOrEqual(slackLimits.headerText);
      if (o.type === 'section' && o.text) expect((o.text as { text: string }).text.length).toBeLessThanOrEqual(slackLimits.sectionText);
      if (o.type === 'section' && o.fields) expect((o.fields as unknown[]).length).toBeLessThanOrEqual(slackLimits.fieldsPerSection);
      if (o.type === 'button') {
        expect((o.action_id as string).length).toBeLessThanOrEqual(slackLimits.actionId);
        expect((o.text as { text: string }).text.length).toBeLessThanOrEqual(slackLimits.buttonText);
      }
    });
    const buttons = blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements as { action_id: string }[]);
    expect(buttons.map((b) => b.action_id)).toEqual(['ok']);
  });

  it('a button whose action_id is too long is left off and logged as an error, naming the button', () => {
    const errors: { obj: object; msg?: string }[] = [];
    const { blocks } = renderBlocks(
      { title: 'Roll back api?', status: 'pending', buttons: [{ actionId: `confirm:${'x'.repeat(300)}`, label: 'Roll back', style: 'danger' }, { actionId: 'cancel:1', label: 'Cancel' }] },
      {},
      { ...plain, log: { error: (obj, msg) => void errors.push({ obj, msg }) } },
    );
    const ids = blocks.filter((b) => b.type === 'actions').flatMap((b) => (b.elements as { action_id: string }[]).map((e) => e.action_id));
    expect(ids).toEqual(['cancel:1']);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toBe('Slack: the button "Roll back" was left off the card because its action_id is 308 characters (Slack allows 255). This is a Firebreak bug.');
    expect(errors[0]!.obj).toMatchObject({ length: 308, label: 'Roll back' });
  });

  it("the core's own action ids always fit Slack's limit (and the 90 the Reply model promises)", () => {
    // Confirmation ids are 20 hex chars; /health's Re-check carries a service name, at most 63 chars by the config schema.
    expect(nameSchema.safeParse('s'.repeat(63)).success).toBe(true);
    expect(nameSchema.safeParse('s'.repeat(64)).success).toBe(false);
    const longest = [actionIds.confirm('f'.repeat(20)), actionIds.cancel('f'.repeat(20)), actionIds.run(`/health ${'s'.repeat(63)}`)];
    for (const id of longest) {
      expect(id.length).toBeLessThanOrEqual(90);
      expect(id.length).toBeLessThanOrEqual(slackLimits.actionId);
    }
    const errors: unknown[] = [];
    const { blocks } = renderBlocks({ title: 't', status: 'ok', buttons: longest.map((actionId) => ({ actionId, label: 'b' })) }, {}, { ...plain, log: { error: (o) => void errors.push(o) } });
    expect(blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements as unknown[])).toHaveLength(3);
    expect(errors).toEqual([]);
  });
});
