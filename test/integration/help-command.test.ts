import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main.js';
import { alice, consoleChan, testApp } from '../support/app.js';

const yaml = `
services:
  api:
    deploy: { kind: commands, restart: [node, -e, "0"] }
`;

/** What /help COMMAND says about a command: its usage, and whether it asks first. */
describe('/help COMMAND', () => {
  let app: App;
  const run = (text: string) => app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text } });
  beforeAll(async () => {
    app = await testApp(yaml);
  });
  afterAll(async () => app.close());

  it('/incident: every subcommand in its usage, and no claim of a confirmation or a role', async () => {
    const r = await run('/help incident');
    expect(r.status).toBe('ok');
    const [, usage] = r.reply.text!.split('\n');
    for (const sub of ['declare', 'status', 'sev', 'lead', 'role', 'note', 'update', 'action', 'timeline', 'list', 'resolve', 'channel', 'postmortem', 'mark']) expect(usage).toMatch(new RegExp(`\\b${sub}\\b`));
    expect(r.reply.text).not.toContain('asks for confirmation');
    expect(r.reply.text).toContain('Changes things at once: no confirmation card, no role needed.');
  });

  it('/restart: asks for confirmation and names the role it needs', async () => {
    const r = await run('/help restart');
    expect(r.reply.text).toMatch(/Changes things: asks for confirmation first and needs the \S+ role\./);
  });
});
