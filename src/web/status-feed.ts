import { XMLBuilder } from 'fast-xml-parser';
import type { StatusModel } from './status-model.js';

/**
 * /status/feed.xml: every published update as an Atom entry. Built by fast-xml-parser's XMLBuilder
 * with entity processing on, so update text is XML text (type="text"), never markup.
 */
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, processEntities: true, suppressEmptyNode: true });

export function statusFeed(m: StatusModel, publicUrl: string): string {
  const base = publicUrl.replace(/\/+$/, '');
  const entries = m.incidents
    .flatMap((i) => i.updates.map((u) => ({ i, u })))
    .sort((a, b) => b.u.at.getTime() - a.u.at.getTime())
    .map(({ i, u }) => ({
      id: `${base}/status#update-${u.id}`,
      title: { '@_type': 'text', '#text': `${i.affects}: ${i.status}` },
      updated: u.at.toISOString(),
      link: { '@_rel': 'alternate', '@_href': `${base}/status#incident-${i.id}` },
      content: { '@_type': 'text', '#text': u.text },
    }));
  const updated = entries[0]?.updated ?? m.updatedAt.toISOString();
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
    feed: {
      '@_xmlns': 'http://www.w3.org/2005/Atom',
      id: `${base}/status`,
      title: { '@_type': 'text', '#text': m.title },
      updated,
      author: { name: m.title },
      link: [
        { '@_rel': 'self', '@_href': `${base}/status/feed.xml` },
        { '@_rel': 'alternate', '@_href': `${base}/status` },
      ],
      entry: entries,
    },
  }) as string;
}
