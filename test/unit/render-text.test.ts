import { describe, expect, it } from 'vitest';
import { progressPrinter, renderText } from '../../src/chat/console/render.js';
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

  it("shows the console's own mentions under the title, and no other platform's", () => {
    const text = renderText({
      title: 'ProviderDown unacknowledged for 5 min',
      status: 'warning',
      mentions: [
        { platform: 'console', kind: 'user', id: 'bob' },
        { platform: 'slack', kind: 'group', id: 'S0ONCALL' },
      ],
    });
    expect(text.split('\n')).toEqual(['⚠️ ProviderDown unacknowledged for 5 min', '  @bob']);
  });

  it('shows output as a block indented under the card, with no "$ " that reads as a typed command', () => {
    const text = renderText({ title: 'litellm restarted in 1.4 s', status: 'ok', code: 'Restarting litellm\n\ndone', context: 'railway restart --service litellm --yes' });
    expect(text).toBe(['litellm restarted in 1.4 s', '    Restarting litellm', '', '    done', '  railway restart --service litellm --yes'].join('\n'));
  });

  it('prints each progress state once: updates that only add output lines do not repeat the line', () => {
    const printed: string[] = [];
    const progress = progressPrinter((line) => printed.push(line));
    progress({ title: 'Running: Restart litellm?', status: 'pending', code: 'railway restart --service litellm' });
    for (const code of ['Restarting', 'Restarting\nlive', 'Restarting\nlive\ndone']) progress({ title: 'Restarting litellm…', status: 'pending', code });
    progress({ title: 'Backing up pg… 1.0 MB gzipped so far', status: 'pending' });
    progress({ title: 'Backing up pg… 2.0 MB gzipped so far', status: 'pending' });
    expect(printed).toEqual(['… Running: Restart litellm?', '… Restarting litellm…', '… Backing up pg… 1.0 MB gzipped so far', '… Backing up pg… 2.0 MB gzipped so far']);
  });
});
