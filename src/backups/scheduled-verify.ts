/**
 * A target's verify_schedule: the runbook's monthly "test restore", unattended. The latest complete
 * backup is restored into verify_url and compared; the report card goes to the incidents channel on
 * every chat platform that speaks for the system, whatever the result (a good test restore is what
 * the people who watch backups want to see once a month), and the run is a `backup.verified` event.
 */
import { randomUUID } from 'node:crypto';
import type { FirebreakConfig } from '../config/schema.js';
import type { Actor } from '../core/identity.js';
import type { Reply } from '../core/reply.js';
import { reportBackupProblem } from './backup-report.js';
import type { BackupsPorts } from './ports.js';
import { renderVerifyReport, runVerifyJob, verifySubject } from './verify-backup.js';

export type VerifySlotOutcome = 'verified' | 'mismatch' | 'failed' | 'busy' | 'stopping' | 'interrupted' | 'unavailable';

export async function runScheduledVerify(config: FirebreakConfig, ports: BackupsPorts, target: string, slot: string, actor: Actor): Promise<VerifySlotOutcome> {
  const context = `Scheduled test restore (verify_schedule) · slot ${slot}`;
  const subject = await verifySubject(config, ports, 'latest', target);
  if (!subject.ok) {
    await reportBackupProblem(config, ports, { kind: 'failed', target, title: `Scheduled test restore of ${target} could not run`, text: subject.message, context }, new Date(slot));
    return 'unavailable';
  }
  const r = await runVerifyJob(config, ports, { subject, actor, invocationId: randomUUID() });
  if (r.kind === 'stopping') return 'stopping';
  if (r.kind === 'busy') {
    await reportBackupProblem(config, ports, { kind: 'skipped', target, title: `Scheduled test restore of ${target} skipped`, text: `${r.heldBy.description} was already running, so slot ${slot} was skipped.`, context }, new Date(slot));
    return 'busy';
  }
  if (r.kind === 'refused') throw new Error('a scheduled test restore has no role to refuse it');
  if (r.kind === 'interrupted') {
    await reportBackupProblem(config, ports, { kind: 'failed', target, title: `Scheduled test restore of ${target} interrupted`, text: r.message, context }, new Date(slot));
    return 'interrupted';
  }
  await announce(config, ports, { ...renderVerifyReport(r), context });
  return !r.restore.ok ? 'failed' : r.ok ? 'verified' : 'mismatch';
}

async function announce(config: FirebreakConfig, ports: BackupsPorts, reply: Reply): Promise<void> {
  const channel = config.chat.incidents_channel.replace(/^#/, '');
  const announcers = ports.chat.announcers();
  if (announcers.length === 0) ports.logger.warn({ channel }, `${reply.title} (no chat platform to post it in #${channel})`);
  for (const port of announcers) {
    await port.postMessage({ name: channel }, reply).catch((err: unknown) => ports.logger.error({ platform: port.platform, err: ports.redactor.redact(String(err)) }, `could not post "${reply.title}" in #${channel}`));
  }
}
