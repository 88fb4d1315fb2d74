/**
 * Text from people, tools and alerts as Discord Markdown that shows exactly that text: every
 * formatting character gets a backslash (Discord hides it and shows the character), so a note
 * cannot bold, strike, spoiler, quote or head a card, and `<@id>`, `<#id>`, `<t:…>` cannot draw a
 * mention or a time. URLs are left as they are, or Discord would no longer link them; so is a channel
 * link `<#id>`: Firebreak points to a channel with one (delivery.ts), and it pings nobody.
 */
const URL_OR_SPECIAL = /(https?:\/\/[^\s<>]+)|[\\*_~`|]|<(?!#\d+>)/g;
/** Line starts that make a heading, a subtext line (-#), a quote or a list. */
const LINE_START = /(^|\n)([ \t]*)(?:([#>+-])|(\d+)\.)/g;

export function escapeDiscordMarkdown(s: string): string {
  return s
    .replace(URL_OR_SPECIAL, (m: string, url: string | undefined) => url ?? `\\${m}`)
    .replace(LINE_START, (_m: string, start: string, indent: string, mark: string | undefined, digits: string | undefined) => (mark ? `${start}${indent}\\${mark}` : `${start}${indent}${digits}\\.`));
}
