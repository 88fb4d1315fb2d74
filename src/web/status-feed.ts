import { XMLBuilder } from 'fast-xml-parser';
import { MAINTENANCE_AHEAD_DAYS, MAINTENANCE_TITLE, type StatusMaintenance, type StatusModel } from './status-model.js';

/**
 * /status/feed.xml: every published update as an Atom entry. Built by fast-xml-parser's XMLBuilder
 * with entity processing on, so update text is XML text (type="text"), never markup. Running and
 * upcoming maintenance windows are entries too; an upcoming one's `updated` is when it came within
 * the page's 7-day view (its start less 7 days), so it is the same on every request and replica.
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
  const maintenance = (w: StatusMaintenance, running: boolean) => {
    const when = `${w.startsAt.toISOString().replace('.000Z', 'Z')} until ${w.endsAt.toISOString().replace('.000Z', 'Z')}`;
    return {
      id: `${base}/status#maintenance-${w.key}`,
      title: { '@_type': 'text', '#text': `${MAINTENANCE_TITLE}${running ? ' (in progress)' : ''}: ${w.components.join(', ')}` },
      updated: (running ? w.startsAt : new Date(w.startsAt.getTime() - MAINTENANCE_AHEAD_DAYS * 86_400_000)).toISOString(),
      link: { '@_rel': 'alternate', '@_href': `${base}/status#maintenance-${w.key}` },
      content: { '@_type': 'text', '#text': `${MAINTENANCE_TITLE} of ${w.components.join(', ')}, ${when}.${w.note ? ` ${w.note}` : ''}` },
    };
  };
  entries.push(...m.maintenanceRunning.map((w) => maintenance(w, true)), ...m.maintenanceUpcoming.map((w) => maintenance(w, false)));
  entries.sort((a, b) => b.updated.localeCompare(a.updated));
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
