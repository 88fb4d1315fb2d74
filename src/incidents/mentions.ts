import type { Actor } from '../core/identity.js';
import { cut } from '../core/text-format.js';

export type PersonResult = { ok: true; person: Actor } | { ok: false; problem: string };

/** Slack `<@U024BE7LH|alice>` / `<@U024BE7LH>`; Discord `<@123…>` / `<@!123…>` (and the `<@ID|name>` Firebreak makes of a user option). */
const MENTION = /^<@!?([A-Z0-9]{2,}|\d{5,25})(?:\|([^>]*))?>$/;

/**
 * The person a command names, on the platform it was typed on. Chat platforms send a mention with
 * the member id, which is what invites and roles need; a display name is free text that anyone can
 * copy, so a bare `@bob` is refused on Slack and Discord. The console names people by OS user.
 * `me` is the person typing.
 */
export function parsePerson(text: string, typedBy: Actor): PersonResult {
  const t = text.trim();
  if (t.toLowerCase() === 'me' || t.toLowerCase() === '@me') return { ok: true, person: typedBy };
  const m = MENTION.exec(t);
  if (m) {
    const id = m[1]!;
    const name = m[2]?.trim() || id;
    return { ok: true, person: { platform: typedBy.platform, id, name } };
  }
  if (typedBy.platform === 'console') {
    const name = t.replace(/^@/, '');
    if (/^[A-Za-z0-9._-]{1,64}$/.test(name)) return { ok: true, person: { platform: 'console', id: name, name, handle: name } };
    return { ok: false, problem: `"${cut(t, 40)}" is not a console user: name them by their user name, e.g. bob.` };
  }
  return {
    ok: false,
    problem: `"${cut(t, 40)}" is not a mention: pick the person from ${typedBy.platform === 'discord' ? 'Discord' : 'Slack'}'s @ list so Firebreak gets their member id (or write "me").`,
  };
}

/** What a person is called in cards and the topic. */
export function personName(a: Actor | null): string {
  return a ? `@${a.name}` : 'nobody';
}

/**
 * Free text as people read it: chat markup (Slack's `<@U1|alice>`, `<#C1|incidents>`,
 * `<https://x|label>`, Discord's `<@123>`) turned back into what it showed. Titles and notes go to
 * cards, the topic and the timeline as plain text.
 */
export function plainText(text: string): string {
  return text
    .replace(/<@!?([A-Z0-9]{2,}|\d{5,25})(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => `@${name || id}`)
    .replace(/<#([A-Z0-9]{2,}|\d{5,25})(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => `#${name || id}`)
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<((?:https?|mailto):[^|>\s]+)\|([^>]*)>/g, '$2 ($1)')
    .replace(/<((?:https?|mailto):[^|>\s]+)>/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

