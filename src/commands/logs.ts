import { z } from 'zod';
import type { FirebreakConfig } from '../config/schema.js';
import { displayArgv } from '../core/argv-display.js';
import type { Outcome } from '../core/outcome.js';
import { compileUserRegex, excerptStart, groupLines, withoutLeadingTimestamp } from '../core/output-filters.js';
import { defineCommand } from '../core/spec.js';
import { invalid, resolveService, target, wordArg } from './deploy-common.js';

/** The furthest back --since may reach: a week of one service's logs is already more than chat can show. */
const SINCE_MAX_S = 7 * 86_400;
const SINCE_DEFAULT_S = 3600;
const UNIT_S = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

function kubernetesServices(config: FirebreakConfig): string[] {
  return Object.entries(config.services).filter(([, s]) => s.deploy?.kind === 'kubernetes').map(([n]) => n);
}

/** "90s", "15m", "1h", "2d" → seconds, or null. */
function parseSince(text: string): number | null {
  const m = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (!m) return null;
  const s = Number(m[1]) * UNIT_S[m[2] as keyof typeof UNIT_S];
  return s > 0 && s <= SINCE_MAX_S ? s : null;
}

export const logsCommand = defineCommand({
  name: 'logs',
  summary: 'Show a Kubernetes service’s recent log lines, identical lines counted, most frequent first',
  usage: '/logs SERVICE [--grep RE] [--since 1h] [--previous]',
  params: [
    { name: 'service', description: 'A service deployed on Kubernetes', type: 'string', required: true, choices: kubernetesServices },
    { name: 'grep', description: 'Only lines matching this regular expression', type: 'string' },
    { name: 'since', description: 'How far back: 30m, 1h, 2d (default 1h; at most 7d)', type: 'string' },
    { name: 'previous', description: 'The crashed (previous) container of each pod', type: 'boolean' },
  ],
  args: z.object({
    service: wordArg,
    grep: z.union([z.string(), z.literal(true)]).optional(),
    since: z.union([z.string(), z.literal(true)]).optional(),
    previous: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  }),
  mutating: false,
  async run(ctx, args): Promise<Outcome> {
    const r = resolveService(ctx, 'logs', args.service, 'read the logs of');
    if (!r.ok) return r.outcome;
    if (r.deploy.kind !== 'kubernetes') {
      return invalid(`${r.name} is not on Kubernetes`, `/logs reads a Kubernetes deployment's pods; ${r.name} is deployed with commands. Services /logs can read: ${kubernetesServices(ctx.config).join(', ') || 'none'}.`);
    }
    if (args.grep === true) return invalid('/logs: --grep needs a pattern', 'Write the pattern after it: /logs SERVICE --grep "ERROR|timeout".');
    if (args.since === true) return invalid('/logs: --since needs a duration', 'Write how far back: --since 30m, --since 1h, --since 2d.');
    const previous = args.previous === true || args.previous === 'true';
    let sinceS: number | null = previous ? null : SINCE_DEFAULT_S;
    if (args.since !== undefined) {
      sinceS = parseSince(args.since);
      if (sinceS === null) return invalid('/logs: invalid --since', `"${args.since.slice(0, 20)}" is not a duration Firebreak reads: write a whole number with s, m, h or d (30m, 1h, 2d), at most 7d.`);
    }
    let grep: string | null = null;
    if (args.grep !== undefined) {
      const checked = compileUserRegex(args.grep);
      if (!checked.ok) return invalid('/logs: invalid --grep pattern', checked.message);
      grep = args.grep;
    }
    const started = performance.now();
    const read = await r.port.logs(target(r), { sinceS, previous, grep });
    const durationMs = Math.round(performance.now() - started);
    if (!read.ok) return { status: 'failed', reply: { title: `Could not read ${r.name}'s logs`, status: 'error', text: read.problem }, execution: { argv: read.argv, durationMs }, detail: { readOnly: true } };
    // The same message at different times is one line here: runbook 002's cut | sort | uniq -c | sort -rn.
    const grouped = groupLines(read.lines.map(withoutLeadingTimestamp).filter((l) => l.trim() !== ''));
    const shown = excerptStart(grouped.join('\n'), 1500);
    const span = [previous ? 'previous containers' : null, sinceS !== null ? `last ${args.since?.trim() ?? '1h'}` : null].filter(Boolean).join(', ');
    const what = grep ? `${read.lines.length} of ${read.read} lines match` : `${read.read} lines`;
    return {
      status: 'ok',
      reply: {
        title: `${r.name} logs: ${what} (${grouped.length} distinct${span ? `, ${span}` : ''})`,
        status: 'info',
        text: grouped.length === 0 ? (grep ? 'Nothing matched the pattern.' : 'Its pods printed nothing in that time.') : undefined,
        code: shown || undefined,
        context: `${displayArgv(read.argv, ctx.ports.redactor)} · at most 1000 lines per pod, each line cut to 1000 characters; identical lines counted (leading timestamps ignored), most frequent first`,
      },
      execution: { argv: read.argv, exitCode: 0, durationMs, output: shown },
      detail: { readOnly: true },
    };
  },
});
