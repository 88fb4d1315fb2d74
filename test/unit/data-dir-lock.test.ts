import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireDataDirLock, commandOf, DataDirLockedError, lockHeldBy, lockHolder, parseProcStatStartTime, processStartTime } from '../../src/store/data-dir-lock.js';

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

  it('a released lock leaves no exit listener behind, however often a process locks and releases', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-lock-'));
    const before = process.listenerCount('exit');
    for (let i = 0; i < 20; i++) acquireDataDirLock(dir)();
    expect(process.listenerCount('exit')).toBe(before);
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

describe('the lock names its holder', () => {
  it('records the command of the process holding it, and a refusal names it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-lock-'));
    const release = acquireDataDirLock(dir);
    expect(lockHeldBy(dir)).toMatchObject({ pid: process.pid, command: commandOf(process.argv) });
    release();
    const child = spawn('sleep', ['30']);
    try {
      writeFileSync(join(dir, 'firebreak.lock'), JSON.stringify({ pid: child.pid, command: 'firebreak console' }));
      expect(() => acquireDataDirLock(dir)).toThrow(`in use by process ${child.pid} (firebreak console); stop it`);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('says "firebreak console" for the CLI script, whatever the path it was run by', () => {
    expect(commandOf(['/usr/bin/node', '/opt/app/bin/firebreak.js', 'console', '--as', 'alice'])).toBe('firebreak console --as alice');
    expect(commandOf(['/usr/bin/node', '/usr/local/bin/firebreak', 'start'])).toBe('firebreak start');
  });
});

describe('embedded data dir lock after a crash', () => {
  it('takes over a stale lock that names our own pid (a restarted container gets the same pid), but not one this process holds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-lock-'));
    // What a crashed previous life of this process with the same pid left behind.
    writeFileSync(join(dir, 'firebreak.lock'), JSON.stringify({ pid: process.pid, startedAt: '2020-01-01T00:00:00.000Z' }));
    expect(lockHolder(dir)).toBeNull();
    const release = acquireDataDirLock(dir);
    expect(lockHolder(dir)).toBe(process.pid);
    expect(() => acquireDataDirLock(dir)).toThrow(`in use by process ${process.pid}`);
    release();
    expect(existsSync(join(dir, 'firebreak.lock'))).toBe(false);
  });

  it('respects a lock from another host even when it names our pid (two pods on one volume are both pid 1), saying how to clear it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-lock-'));
    writeFileSync(join(dir, 'firebreak.lock'), JSON.stringify({ pid: process.pid, host: 'firebreak-7d9f-old-pod' }));
    expect(() => acquireDataDirLock(dir)).toThrow(`locked by process ${process.pid} on host firebreak-7d9f-old-pod, which this machine cannot check; stop it there, or if that host is gone delete ${join(dir, 'firebreak.lock')}`);
    expect(JSON.parse(readFileSync(join(dir, 'firebreak.lock'), 'utf8')).host).toBe('firebreak-7d9f-old-pod');
  });

  const linux = processStartTime(process.pid) !== undefined;

  it.runIf(linux)('records the holder start time and takes over a lock whose pid now belongs to an unrelated process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-lock-'));
    const release = acquireDataDirLock(dir);
    const written = JSON.parse(readFileSync(join(dir, 'firebreak.lock'), 'utf8')) as { procStart?: string; bootId?: string };
    expect(written.procStart).toBe(processStartTime(process.pid));
    expect(written.bootId).toMatch(/\S/);
    release();

    const child = spawn('sleep', ['30']);
    await new Promise((r) => child.once('spawn', r));
    try {
      const childStart = processStartTime(child.pid!);
      expect(childStart).toMatch(/^\d+$/);
      // Same pid, same start time: the real holder, respected.
      writeFileSync(join(dir, 'firebreak.lock'), JSON.stringify({ pid: child.pid, procStart: childStart, bootId: written.bootId }));
      expect(() => acquireDataDirLock(dir)).toThrow(`in use by process ${child.pid}`);
      // Same pid, different start time: the holder died and something else got its pid.
      writeFileSync(join(dir, 'firebreak.lock'), JSON.stringify({ pid: child.pid, procStart: String(Number(childStart) - 1), bootId: written.bootId }));
      expect(lockHolder(dir)).toBeNull();
      const mine = acquireDataDirLock(dir);
      expect(lockHolder(dir)).toBe(process.pid);
      mine();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('reads the start time from /proc/PID/stat even when the command name has spaces and parentheses', () => {
    const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 1 0 0 0 3 1 0 0 20 0 11 0 987654 1000 100 18446744073709551615';
    expect(parseProcStatStartTime(stat)).toBe('987654');
    expect(parseProcStatStartTime('garbage')).toBeUndefined();
    expect(processStartTime(-1)).toBeUndefined();
  });
});
