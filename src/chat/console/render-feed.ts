import type { ConsoleMessage } from '../../core/console-messages.js';
import { renderText } from './render.js';

/**
 * A message the system posted, as `firebreak console` shows it when it arrives: a header saying
 * where it is and what happened to it, then the card as `firebreak run` prints one (buttons with
 * their action ids, so `!ACTION_ID` presses them). Thread replies are indented under their parent.
 */
export function renderFeedMessage(m: ConsoleMessage, isNew: boolean): string {
  const tags = [`message ${m.id}`];
  if (m.threadParentId !== null) tags.push(`reply to message ${m.threadParentId}`);
  if (!isNew) tags.push('updated');
  if (m.pinned) tags.push('pinned');
  if (m.privateTo !== null) tags.push('only you can see this');
  const where = m.channel ? `#${m.channel.name}` : 'private';
  const lines = [`── ${where} · ${tags.join(' · ')} ──`, ...renderText(m.reply).split('\n')];
  return (m.threadParentId !== null ? lines.map((l) => `    ${l}`) : lines).join('\n');
}
