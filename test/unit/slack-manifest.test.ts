import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { commands } from '../../src/commands/index.js';

/**
 * Contract: manifest.yml is what people paste into Slack. Every registered command must be a
 * slash command there (and nothing else), pointing at our one endpoint, with the scopes the
 * Slack platform code uses. Reads the registry from src/commands/index.ts so a new command
 * without its manifest entry fails here.
 */
const manifestSchema = z.object({
  display_information: z.object({ name: z.string().min(1), description: z.string().min(1) }),
  features: z.object({
    bot_user: z.object({ display_name: z.string().min(1) }),
    slash_commands: z.array(
      z.object({ command: z.string(), url: z.string(), description: z.string().min(1).max(2000), usage_hint: z.string().max(1000).optional(), should_escape: z.boolean().optional() }),
    ),
    shortcuts: z.array(z.object({ name: z.string().min(1).max(24), type: z.enum(['message', 'global']), callback_id: z.string().min(1).max(255), description: z.string().min(1).max(150) })).default([]),
  }),
  oauth_config: z.object({ scopes: z.object({ bot: z.array(z.string()) }) }),
  settings: z.object({
    interactivity: z.object({ is_enabled: z.boolean(), request_url: z.string() }),
    event_subscriptions: z.object({ request_url: z.string(), bot_events: z.array(z.string()) }).optional(),
    socket_mode_enabled: z.boolean(),
  }),
});

const manifest = manifestSchema.parse(parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')));

/** Why each scope is needed: posting and updating cards, channels for incidents, pins, display names. */
const REQUIRED_SCOPES = {
  commands: 'slash commands',
  'chat:write': 'chat.postMessage, chat.update, chat.postEphemeral',
  'chat:write.public': 'post in public channels without being invited first',
  'channels:manage': 'conversations.create/invite/setTopic/archive for incident channels',
  'groups:write': 'the same for private incident channels',
  'im:write': 'conversations.open for a private message to someone outside the channel',
  'channels:read': 'conversations.list to find a channel by name; conversations.info when Slack sends a channel without its name',
  'groups:read': 'the same for private channels (slash commands there say channel_name "privategroup")',
  'pins:write': 'pins.add for the incident summary',
  'reactions:read': 'the reaction_added event (📌 adds a message to the incident timeline)',
  'channels:history': 'conversations.history: the text of a 📌 message in an incident channel',
  'groups:history': 'the same in private incident channels',
  'bookmarks:write': "the post-mortem draft's link in the incident channel",
  'users:read': 'users.info for display names in replies and the timeline',
};

describe('manifest.yml ↔ command registry', () => {
  it('has exactly the registered commands as slash commands', () => {
    const inManifest = manifest.features.slash_commands.map((c) => c.command).sort();
    const registered = commands.map((c) => `/${c.name}`).sort();
    expect(inManifest).toEqual(registered);
  });

  it('subscribes to reaction_added and offers the Add to timeline message shortcut Firebreak handles', () => {
    expect(manifest.settings.event_subscriptions?.bot_events).toEqual(['reaction_added']);
    expect(manifest.features.shortcuts).toContainEqual(expect.objectContaining({ name: 'Add to timeline', type: 'message', callback_id: 'add_to_timeline' }));
    const startSlack = readFileSync(new URL('../../src/chat/slack/start.ts', import.meta.url), 'utf8');
    expect(startSlack).toContain("app.shortcut('add_to_timeline'");
    expect(startSlack).toContain("app.event('reaction_added'");
  });

  it('sends every command and every interaction to POST /slack/events of one host', () => {
    const urls = [...manifest.features.slash_commands.map((c) => c.url), manifest.settings.interactivity.request_url, ...(manifest.settings.event_subscriptions ? [manifest.settings.event_subscriptions.request_url] : [])];
    for (const u of urls) expect(new URL(u).pathname).toBe('/slack/events');
    expect(new Set(urls.map((u) => new URL(u).host)).size).toBe(1);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });

  it('gives every command with params a usage hint, and lets Firebreak parse the raw text (escaped only where it names people)', () => {
    const namesPeople = (spec: (typeof commands)[number]) => [...spec.params, ...(spec.subcommands ?? []).flatMap((s) => s.params)].some((p) => p.type === 'user');
    for (const spec of commands) {
      const entry = manifest.features.slash_commands.find((c) => c.command === `/${spec.name}`)!;
      if (spec.params.length > 0 || spec.subcommands) expect(entry.usage_hint, `/${spec.name} usage_hint`).toBeTruthy();
      // Escaped, Slack sends "@bob" as <@U024BE7LH|bob>: the member id invites and roles need.
      expect(entry.should_escape ?? false, `/${spec.name} should_escape`).toBe(namesPeople(spec));
    }
    expect(manifest.features.slash_commands.find((c) => c.command === '/incident')?.should_escape).toBe(true);
  });

  it.each(Object.entries(REQUIRED_SCOPES))('has the %s scope (%s)', (scope) => {
    expect(manifest.oauth_config.scopes.bot).toContain(scope);
  });
});
