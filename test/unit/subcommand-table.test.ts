import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Outcome } from '../../src/core/outcome.js';
import type { CommandContext } from '../../src/core/spec.js';
import { subcommand, subcommandTable } from '../../src/core/subcommands.js';
import { incidentCommand } from '../../src/commands/incident.js';

describe('a subcommand table', () => {
  const table = subcommandTable([
    subcommand({ name: 'now', summary: 'Now', params: [], args: { target: z.string().optional() }, run: async (_ctx, a) => ({ status: 'ok', reply: { title: `now ${a.target ?? '-'}`, status: 'ok' } }) }),
    subcommand({ name: 'restore', summary: 'Restore', params: [], args: { id: z.string({ message: 'a backup id is required' }) }, run: async (_ctx, a) => ({ status: 'ok', reply: { title: `restore ${a.id}`, status: 'ok' } }) }),
  ]);
  const ctx = {} as CommandContext;
  const title = (o: Outcome) => ('reply' in o ? o.reply.title : o.status);

  it('lists, validates and runs the same subcommands', async () => {
    expect(table.subcommands.map((s) => s.name)).toEqual(['now', 'restore']);
    const parsed = table.args.parse({ subcommand: 'restore', id: 'bk-1' });
    expect(title(await table.run(ctx, parsed))).toBe('restore bk-1');
    expect(title(await table.run(ctx, table.args.parse({ subcommand: 'now' })))).toBe('now -');
  });

  it('refuses a subcommand it does not declare, and a declared one without its arguments', () => {
    expect(table.args.safeParse({ subcommand: 'drop' }).success).toBe(false);
    const missing = table.args.safeParse({ subcommand: 'restore' });
    expect(missing.success).toBe(false);
    expect(missing.error?.issues[0]?.message).toBe('a backup id is required');
  });

  it('/incident validates every subcommand it lists', () => {
    const names = incidentCommand.subcommands?.map((s) => s.name) ?? [];
    expect(names).toContain('postmortem');
    for (const name of names) {
      const r = incidentCommand.args.safeParse({ subcommand: name });
      // A missing required argument is an error about that argument, never "unknown subcommand".
      if (!r.success) expect(r.error.issues.every((i) => i.path[0] !== 'subcommand')).toBe(true);
    }
  });
});
