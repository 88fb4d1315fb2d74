import { z } from 'zod';
import { didYouMean } from '../config/did-you-mean.js';
import type { CommandCatalog } from '../core/command-catalog.js';
import type { Reply } from '../core/reply.js';
import { defineCommand } from '../core/spec.js';

export const helpCommand = defineCommand({
  name: 'help',
  summary: 'List the commands and how to use them',
  usage: '/help [COMMAND]',
  params: [{ name: 'command', description: 'Show one command in detail', type: 'string' }],
  args: z.object({ command: z.string().max(40).optional() }),
  mutating: false,
  async run(ctx, args) {
    return helpOutcome(ctx.ports.registry, args.command);
  },
});

/** What /help answers: needs only the command list (so `firebreak run "/help"` can answer without a store). */
export function helpOutcome(registry: Pick<CommandCatalog, 'get' | 'list'>, command: string | undefined): { status: 'ok' | 'invalid'; reply: Reply } {
  const specs = registry.list();
  if (command) {
    const name = command.replace(/^\//, '').toLowerCase();
    const spec = registry.get(name);
    if (!spec) {
      return {
        status: 'invalid',
        reply: { title: 'Unknown command', status: 'error', text: `There is no /${name}.${didYouMean(name, specs.map((s) => s.name), '/')} Commands: ${specs.map((s) => `/${s.name}`).join(', ')}.`, ephemeral: true },
      };
    }
    const lines = [spec.summary, `Usage: ${spec.usage}`];
    for (const sub of spec.subcommands ?? []) lines.push(`  ${sub.name} — ${sub.summary}`);
    for (const p of spec.subcommands ? [] : spec.params) lines.push(`  ${p.name}${p.required ? '' : ' (optional)'} — ${p.description}`);
    if (spec.mutating && spec.confirms !== false) lines.push(`Changes things: asks for confirmation first${spec.role ? ` and needs the ${spec.role} role` : ''}.`);
    if (spec.mutating && spec.confirms === false) lines.push(spec.role ? `Changes things at once: no confirmation card; needs the ${spec.role} role.` : 'Changes things at once: no confirmation card, no role needed.');
    return { status: 'ok', reply: { title: `/${spec.name}`, status: 'info', text: lines.join('\n'), ephemeral: true } };
  }
  return {
    status: 'ok',
    reply: {
      title: 'Firebreak commands',
      status: 'info',
      rows: specs.map((s) => ({ status: 'info' as const, cells: [s.usage, s.summary] })),
      context: 'Commands that change things ask for confirmation first. /help COMMAND for details.',
      ephemeral: true,
    },
  };
}
