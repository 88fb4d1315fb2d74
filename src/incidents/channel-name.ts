import { channelSlug } from '../core/channel-slug.js';

/**
 * The strictest platform limit (Slack's 80 characters): one name fits everywhere, so an incident's
 * channel is called the same on Slack, Discord and the console.
 */
const MAX_NAME = 80;
/** Room the platform ports need for `-2` … `-999` when the name is taken. */
const SUFFIX_ROOM = 4;

/** 20261125: the UTC day it was declared. */
export function dayStamp(at: Date): string {
  return at.toISOString().slice(0, 10).replace(/-/g, '');
}

/**
 * The channel an incident asks for: `<prefix>YYYYMMDD-<slug of the title>`, e.g.
 * `inc-20261125-checkout-5xx`. The slug keeps a-z, 0-9, `-` and `_` (accents folded, emoji and other
 * scripts dropped) and is cut at a word boundary so the whole fits in 80 characters with room for
 * `-2`; a title with nothing usable in it falls back to the incident id (`inc-20261125-inc-42`).
 * Each platform's port still applies its own rules and numbering when it creates the channel.
 */
export function incidentChannelName(opts: { prefix: string; title: string; declaredAt: Date; incidentId: string }): string {
  const head = `${opts.prefix}${dayStamp(opts.declaredAt)}-`;
  const budget = Math.max(8, MAX_NAME - SUFFIX_ROOM - head.length);
  const slug = cutAtWord(channelSlug(opts.title, MAX_NAME * 4), budget) || channelSlug(opts.incidentId, budget);
  return `${head}${slug}`;
}

/** At most `max` characters, ending at a dash when one is in the second half (no half-words). */
function cutAtWord(slug: string, max: number): string {
  if (slug.length <= max) return slug;
  const cut = slug.slice(0, max);
  const dash = cut.lastIndexOf('-');
  return (dash >= max / 2 ? cut.slice(0, dash) : cut).replace(/[-_]+$/, '');
}
