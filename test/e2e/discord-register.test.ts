import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reapChildren } from '../support/children.js';
import { discordApplicationCommands } from '../../src/chat/discord/command-definitions.js';
import { commands } from '../../src/commands/index.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { startFakeDiscordApi, type FakeDiscordApi } from '../fakes/discord-api.js';
import { configFrom } from '../support/app.js';

const BIN = resolve('bin/firebreak.js');
const APP_ID = '1200000000000000001';
const GUILD = '900000000000000001';
const TOKEN = 'register-bot-token-abc';
/** How the report names a command: /name, or a message command's name in quotes. */
const shown = (c: { name: string }) => (c.name.includes(' ') ? `"${c.name}"` : `/${c.name}`);
const CONFIG = `
chat: { incidents_channel: incidents }
services:
  api:
    description: API
    health: { type: http, url: "http://127.0.0.1:9/health" }
`;

// A child is given 60 s (node starting under load); a test the sum over the children it runs (at most 3).
describe('firebreak discord register (child process against the fake Discord API)', { timeout: 3 * 60_000 + 10_000 }, () => {
  let fake: FakeDiscordApi;
  const dir = mkdtempSync(join(tmpdir(), 'fb-discord-register-'));
  const expected = discordApplicationCommands(new CommandRegistry(commands), configFrom(CONFIG).config);

  beforeAll(async () => {
    fake = await startFakeDiscordApi({ botToken: TOKEN, guildId: GUILD });
    writeFileSync(join(dir, 'firebreak.yml'), CONFIG);
  });
  afterAll(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // A child left by a timed-out test would still be calling the fake during the next test.
  const children = reapChildren();
  const run = (args: string[], env: Record<string, string> = {}) =>
    children.track(
      execa('node', [BIN, 'discord', 'register', ...args], {
        cwd: dir,
        reject: false,
        timeout: 60_000,
        extendEnv: false,
        env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', DISCORD_APPLICATION_ID: APP_ID, DISCORD_BOT_TOKEN: TOKEN, DISCORD_API_URL: fake.apiUrl, ...env },
      }),
    ).then((r) => ({ code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) }));

  it('PUTs every generated command to the guild and lists them as added', async () => {
    const r = await run(['--guild', GUILD]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Registered ${expected.length} Discord commands in guild ${GUILD}.`);
    expect(r.stdout).toContain(`added:     ${expected.map(shown).join(', ')}`);
    expect(expected.at(-1)).toMatchObject({ name: 'Add to timeline', type: 3 });
    const put = fake.calls.find((c) => c.method === 'PUT' && c.route === `/applications/${APP_ID}/guilds/${GUILD}/commands`)!;
    expect(put.headers.authorization).toBe(`Bot ${TOKEN}`);
    expect(put.body).toEqual(expected);
  });

  it('on a second run reports updated, removed and unchanged commands', async () => {
    const scope = `guild:${GUILD}`;
    const current = fake.commands.get(scope)! as { name: string; description: string }[];
    current[0]!.description = 'an older description';
    current.push({ name: 'obsolete', description: 'gone from Firebreak' });
    const r = await run(['--guild', GUILD]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('added:     none');
    expect(r.stdout).toContain(`updated:   /${expected[0]!.name}`);
    expect(r.stdout).toContain('removed:   /obsolete');
    expect(r.stdout).toContain(`unchanged: ${expected.slice(1).map(shown).join(', ')}`);
    expect((fake.commands.get(scope) as { name: string }[]).map((c) => c.name)).toEqual(expected.map((c) => c.name));
  });

  it('reports a change of who may use a command or where (permissions, contexts, nsfw, install types) as updated', async () => {
    const scope = `guild:${GUILD}`;
    const current = fake.commands.get(scope)! as Record<string, unknown>[];
    expect(current.length).toBeGreaterThanOrEqual(5);
    current[1]!.default_member_permissions = '8';
    current[2]!.contexts = [0, 1, 2];
    current[3]!.nsfw = true;
    current[4]!.integration_types = [1];
    const r = await run(['--guild', GUILD]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`updated:   ${expected.slice(1, 5).map(shown).join(', ')}`);
    expect(r.stdout).toContain(`unchanged: ${[expected[0]!, ...expected.slice(5)].map(shown).join(', ')}`);
  });

  it('reports nothing as updated on an app with User Install enabled, where Discord fills integration_types [0, 1]', async () => {
    const scope = `guild:${GUILD}`;
    for (const c of fake.commands.get(scope)! as Record<string, unknown>[]) c.integration_types = [0, 1];
    const r = await run(['--guild', GUILD]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('updated:   none');
    expect(r.stdout).toContain(`unchanged: ${expected.map(shown).join(', ')}`);
  });

  it('registers globally without --guild', async () => {
    const r = await run([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Discord commands globally.');
    expect(fake.calls.some((c) => c.method === 'PUT' && c.route === `/applications/${APP_ID}/commands`)).toBe(true);
  });

  it('says what is missing without the application id or token, and refuses a bad guild id', async () => {
    const missing = await run([], { DISCORD_BOT_TOKEN: '' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN');
    const wrongToken = await run(['--guild', GUILD], { DISCORD_BOT_TOKEN: 'not-the-token' });
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toContain('Discord refused the bot token (401): check DISCORD_BOT_TOKEN.');
    const bad = await run(['--guild', 'my-server']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('numeric id');
  });
});
