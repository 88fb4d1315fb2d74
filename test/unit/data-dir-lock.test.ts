import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError, lockHolder } from '../../src/store/data-dir-lock.js';

describe('embedded data dir lock', () => {
  it('refuses a second holder while the first lives, with the pid in the message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-lock-'));
    const release = acquireDataDirLock(dir);
    expect(lockHolder(dir)).toBe(process.pid);
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirLockedError);
    expect(() => acquireDataDirLock(dir)).toThrow(`in use by process ${process.pid}`);
    release();
    expect(existsSync(join(dir, 'firebreak.lock'))).toBe(false);
    acquireDataDirLock(dir)();
  });

  it('takes over a lock whose process is gone, and respects one held by another live process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-lock-'));
    const child = spawn('sleep', ['30']);
    writeFileSync(join(dir, 'firebreak.lock'), JSON.stringify({ pid: child.pid }));
    expect(() => acquireDataDirLock(dir)).toThrow(`in use by process ${child.pid}`);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const release = acquireDataDirLock(dir);
    expect(lockHolder(dir)).toBe(process.pid);
    release();
  });
});
