/**
 * The backup report: what went wrong with a target's backups today, in the incidents channel of
 * every chat platform that speaks for the system. One message per target and UTC day, keyed
 * `backup-report:TARGET:YYYY-MM-DD` in the stored message refs: a second failure or skipped slot
 * that day, from this replica or another, updates that message in place (the count and the
 * latest problem) instead of posting another.
 */
import type { FirebreakConfig } from '../config/schema.js';
import type { ChatPlatformPort } from '../core/chat-port.js';
import type { BackupProblem, BackupReportDay } from './backup-port.js';
import { showMessage } from '../core/posted-messages.js';
import type { Reply } from '../core/reply.js';
import type { BackupsPorts } from './ports.js';

export function backupReportKey(target: string, day: string): string {
  return `backup-report:${target}:${day}`;
}

/** The UTC day a problem belongs to: a scheduled slot's own time, else when it happened. */
export function reportDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

function hhmm(d: Date): string {
  return d.toISOString().slice(11, 16);
}

/** The day's report. With one problem it is just that problem, as it was reported. */
export function renderBackupReport(day: BackupReportDay): Reply {
  const { latest } = day;
  const count = day.failed + day.skipped;
  const status = day.failed > 0 ? 'error' : 'warning';
  if (count <= 1) return { title: latest.title, status, text: latest.text, context: latest.context };
  const tally = [day.failed > 0 ? `${day.failed} failed` : '', day.skipped > 0 ? `${day.skipped} skipped` : ''].filter(Boolean).join(', ');
  return {
    title: `${latest.title} — ${count} problems today`,
    status,
    text: latest.text,
    fields: [{ label: `${day.target} on ${day.day} (UTC)`, value: `${tally}; first at ${hhmm(day.firstAt)}, latest at ${hhmm(day.latestAt)}` }],
    context: latest.context,
  };
}

/**
 * Counts the problem into its day and shows the day's report on every announcer. Never throws:
 * a report that cannot be shown is logged with its text, so it is not lost.
 */
export async function reportBackupProblem(config: FirebreakConfig, ports: BackupsPorts, problem: BackupProblem, at: Date = new Date()): Promise<void> {
  const channel = config.chat.incidents_channel;
  const day = reportDay(at);
  const single: BackupReportDay = { target: problem.target, day, failed: problem.kind === 'failed' ? 1 : 0, skipped: problem.kind === 'skipped' ? 1 : 0, firstAt: at, latestAt: at, latest: problem };
  const reports = ports.backups?.reports;
  let counted = false;
  try {
    if (reports) {
      await reports.add(problem, day, at);
      counted = true;
    }
  } catch (err) {
    ports.logger.warn({ target: problem.target, err: ports.redactor.redact(String(err)) }, `could not count the backup problem of ${problem.target} into today's report; posting it on its own`);
  }
  const announcers = ports.chat.announcers();
  if (announcers.length === 0) {
    ports.logger.error({ target: problem.target, channel }, `BACKUP ${problem.kind.toUpperCase()} (no chat platform to report it in #${channel}): ${problem.text}`);
    return;
  }
  const render = async (): Promise<Reply> => renderBackupReport((counted && reports ? await reports.get(problem.target, day) : null) ?? single);
  for (const port of announcers) {
    // Without the count the store is likely down, so no ref could be kept either: post it on its own.
    const shown = counted ? showMessage(ports.messageRefs, backupReportKey(problem.target, day), port, { name: channel }, render) : postAlone(port, channel, renderBackupReport(single));
    await shown.catch((err: unknown) =>
      ports.logger.error({ target: problem.target, platform: port.platform, err: ports.redactor.redact(String(err)) }, `could not report "${problem.title}" in #${channel}: ${problem.text}`),
    );
  }
}

function postAlone(port: ChatPlatformPort, channel: string, reply: Reply): Promise<unknown> {
  return port.postMessage({ name: channel }, reply);
}
