/**
 * Text from people, tools and alerts as Slack mrkdwn that shows exactly that text.
 *
 * `&`, `<` and `>` are markup (`<!channel>`, `<@U1>`, `<https://evil|click>`, `<!subteam^S1>`): they
 * become entities. mrkdwn has no escape character for its formatting (`*bold*`, `_italic_`,
 * `~strike~`, `` `code` ``, a `>` quote at the start of a line), so a run of formatting characters
 * that could open or close a span (`*`, `**`, the mask `***`) gets a zero-width space on each side:
 * whichever way Slack reads that space (a letter or a blank), the run is then no delimiter. A run
 * inside a word (`node_exporter`, `a*b`) cannot format and is left alone, so identifiers copy
 * cleanly; so are URLs, which Slack links as they are.
 */
const ZWSP = '\u200b';
const URL_OR_FORMAT = /(https?:\/\/[^\s]+)|[*_~`]+/g;
const WORD = /[\p{L}\p{N}]/u;

/** `&`, `<`, `>` as entities: enough for plain_text-like places (topics, code blocks). */
export function escapeEntities(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** User text for a mrkdwn text object: no links, mentions or formatting of its own. */
export function escapeMrkdwn(s: string): string {
  const escaped = escapeEntities(s).replace(URL_OR_FORMAT, (m: string, url: string | undefined, at: number, all: string) => {
    if (url) return url;
    const before = all[at - 1] ?? '';
    const after = all[at + m.length] ?? '';
    if (!m.includes('`') && WORD.test(before) && WORD.test(after)) return m;
    return `${ZWSP}${m}${ZWSP}`;
  });
  // A quote is `>` (sent as &gt;) at the start of a line.
  return escaped.replace(/(^|\n)&gt;/g, `$1${ZWSP}&gt;`);
}

/** Text inside a ``` block: shown verbatim by Slack, except that a ``` of its own would end the block. */
export function escapeMrkdwnCode(s: string): string {
  return escapeEntities(s).replace(/```/g, `\`${ZWSP}\`\``);
}

/**
 * Text for an inline code span (`` `…` ``), where Slack applies no formatting: entities are enough,
 * unless the text has a backtick of its own, which would end the span; then it is escaped in full.
 */
export function escapeMrkdwnInlineCode(s: string): string {
  return s.includes('`') ? escapeMrkdwn(s) : escapeEntities(s);
}
