/** Naming backup targets, their lease and their backups: shared by the jobs, the sweep and /backup. */
import { randomBytes } from 'node:crypto';
import type { BackupTargetConfig, FirebreakConfig } from '../config/schema.js';

export function backupLeaseKey(target: string): string {
  return `backup:${target}`;
}

export function newBackupId(): string {
  return `bk-${randomBytes(4).toString('hex')}`;
}

export function configuredTarget(config: FirebreakConfig, name: string): BackupTargetConfig | undefined {
  return Object.hasOwn(config.backups.targets, name) ? config.backups.targets[name] : undefined;
}
