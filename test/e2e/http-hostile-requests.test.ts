import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = resolve('bin/firebreak.js');

/**
 * Sends one raw request line (and a minimal header block) on its own connection and returns the
 * status line the server answered with, or how the connection ended without one.
 */
function rawRequest(port: number, requestLine: string): Promise<string> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    let error = '';
    socket.setTimeout(15_000, () => socket.destroy());
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.once('close', () => done(data.split('\r\n')[0] || `(no answer: ${error || 'closed'})`));
    socket.write(Buffer.from(`${requestLine}\r\nHost: firebreak\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, 'latin1'));
  });
}

/** A small seeded generator (mulberry32), so a failing request line can be reproduced. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PREFIXES = ['/', '//', '///', 'http://', 'https://', 'HTTP://', '*', '', 'http:', '/\\', '\\\\', 'ftp://', '/webhooks/', '/incidents/', '/internal/console/'];
const PIECES = ['[', ']', ':', '%', '%zz', '%41', '%E0%A4%A', '%00', '@', '?', '#', '\\', '..', '.', 'a', 'healthz', '99999', ':99999', '::1', '[::1]', '%2F', '?x=%zz', '&', '=', '~', 'é', '\u00ff', '\t', '"', '<', '{', '|'];
const METHODS = ['GET', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'CONNECT'];

function fuzzedRequestLines(count: number, seed: number): string[] {
  const next = random(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)]!;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    let target = pick(PREFIXES);
    const n = 1 + Math.floor(next() * 6);
    for (let j = 0; j < n; j++) target += pick(PIECES);
    lines.push(`${pick(METHODS)} ${target} HTTP/1.1`);
  }
  return lines;
}

describe('a replica under hostile request lines (child process, firebreak start)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-hostile-'));
  let server: ReturnType<typeof execa>;
  let port = 0;
  let stderr = '';
  let exited: { code: number | null; signal: string | null } | null = null;

  beforeAll(async () => {
    server = execa('node', [BIN, 'start'], { cwd: dir, env: { FIREBREAK_DATA_DIR: join(dir, 'data'), PORT: '0', LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '' }, extendEnv: false, reject: false });
    server.on('exit', (code, signal) => (exited = { code, signal }));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`firebreak start did not come up: ${stderr}`)), 60_000);
      server.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /Firebreak is running on http:\/\/localhost:(\d+)/.exec(stderr);
        if (m) {
          port = Number(m[1]);
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }, 90_000);
  afterAll(async () => {
    server.kill('SIGTERM');
    await server;
  });

  it.each(['//[', 'http://[', '//a:99999/', '//%zz', 'http://a:99999/', 'http://[::1/healthz', '*'])('GET %s → 400, and the server still answers', async (target) => {
    expect(await rawRequest(port, `GET ${target} HTTP/1.1`)).toBe('HTTP/1.1 400 Bad Request');
    expect(exited).toBeNull();
    expect(await rawRequest(port, 'GET /healthz HTTP/1.1')).toBe('HTTP/1.1 200 OK');
  });

  it('a proxy-style absolute target is routed by its path', async () => {
    expect(await rawRequest(port, 'GET http://firebreak.example/healthz HTTP/1.1')).toBe('HTTP/1.1 200 OK');
  });

  it('300 fuzzed request lines: every one gets an answer or a clean close, none ends the process', async () => {
    const lines = fuzzedRequestLines(300, 16);
    const answers: string[] = [];
    // A few at a time: this is about what each line does, not about load.
    for (let i = 0; i < lines.length; i += 10) {
      answers.push(...(await Promise.all(lines.slice(i, i + 10).map((l) => rawRequest(port, l)))));
      expect(exited, `the process exited after request lines ${i}..${i + 9}: ${JSON.stringify(lines.slice(i, i + 10))}\n${stderr}`).toBeNull();
    }
    // Every answer is an HTTP status line and none is a 5xx (a malformed target is the client's
    // fault). CONNECT is the exception: with no tunnel to offer, Node closes the socket unanswered.
    const statuses = answers.map((a) => /^HTTP\/1\.1 (\d{3}) /.exec(a)?.[1] ?? a);
    const unexpected = statuses
      .map((s, i) => [lines[i]!, s] as const)
      .filter(([line, s]) => !/^[1-4]\d\d$/.test(s) && !(line.startsWith('CONNECT ') && s === '(no answer: closed)'));
    expect(unexpected).toEqual([]);
    expect(await rawRequest(port, 'GET /healthz HTTP/1.1')).toBe('HTTP/1.1 200 OK');
    expect(stderr).not.toMatch(/Invalid URL|uncaught|TypeError/i);
  }, 120_000);
});
