import { describe, expect, it } from 'vitest';
import { renderText } from '../../src/chat/console/render-text.js';
import type { Reply } from '../../src/core/reply.js';

describe('console text renderer', () => {
  it('lays out the /health card as in the issue: one long error does not pad every other row', () => {
    const reply: Reply = {
      title: 'Health — 2 of 3 checks OK (checked in 84 ms)',
      status: 'error',
      rows: [
        { status: 'ok', cells: ['firebreak-store', 'postgres', '3 ms', '(embedded)'] },
        { status: 'ok', cells: ['cache', 'redis', '1 ms', '127.0.0.1:6379, 1.2 MB used'] },
        { status: 'error', cells: ['api', 'http', 'timeout after 2000 ms', 'http://127.0.0.1:9/health'] },
      ],
    };
    expect(renderText(reply).split('\n').slice(1)).toEqual([
      '  ✅ firebreak-store   postgres   3 ms   (embedded)',
      '  ✅ cache             redis      1 ms   127.0.0.1:6379, 1.2 MB used',
      '  ❌ api               http       timeout after 2000 ms   http://127.0.0.1:9/health',
    ]);
  });

  it('still aligns short cells, and a very long message only lengthens its own row', () => {
    const long = `connection reset by peer while reading the response ${'x'.repeat(150)}`;
    const lines = renderText({
      title: 'Health',
      status: 'error',
      rows: [
        { status: 'ok', cells: ['a', 'tcp', '2 ms', 'port open'] },
        { status: 'error', cells: ['bb', 'http', 'connection refused', 'http://b/'] },
        { status: 'error', cells: ['ccc', 'http', long, 'http://c/'] },
      ],
    }).split('\n');
    expect(lines[1]).toBe('  ✅ a     tcp    2 ms                 port open');
    expect(lines[2]).toBe('  ❌ bb    http   connection refused   http://b/');
    expect(lines[3]).toBe(`  ❌ ccc   http   ${long}   http://c/`);
  });
});
