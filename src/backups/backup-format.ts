import type { BackupRecord } from './backup-port.js';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** host:port/db without credentials, for cards. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable database URL)';
  }
}

export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace('T', ' ');
}

export function describeRecord(r: BackupRecord): string {
  const size = r.sizeBytes !== null ? formatBytes(r.sizeBytes) : '?';
  return `${r.id} of ${r.target} taken ${formatTime(r.startedAt)}, ${size}, sha256 ${r.sha256 ?? '?'}`;
}
