import { z } from 'zod';
import { defineAppCommand } from '../app/command.js';
import type { FirebreakConfig } from '../config/schema.js';
import { didYouMean } from '../config/did-you-mean.js';
import type { Outcome } from '../core/outcome.js';
import { ParseError, splitWords } from '../core/parser.js';
import { cut } from '../core/text-format.js';
import { usage } from '../procedures/params.js';
import { planProcedure } from '../procedures/plan.js';
import { startRun } from '../procedures/start.js';
import { roleDenied } from '../core/authorize.js';
import { secretParams } from '../core/action-params.js';

const names = (config: FirebreakConfig) => Object.keys(config.procedures);
const payloadSchema = z.object({ run: z.string() });

function list(config: FirebreakConfig): Outcome {
  const entries = Object.entries(config.procedures);
  if (entries.length === 0) return { status: 'ok', reply: { title: 'No procedures', status: 'info', text: 'No procedures are configured; add them under procedures: in the Firebreak config.', ephemeral: true } };
  return {
    status: 'ok',
    reply: {
      title: `Procedures (${entries.length})`,
      status: 'info',
      rows: entries.map(([name, p]) => ({ status: 'info' as const, cells: [name, p.description, `${p.steps.length} steps`, usage(name, p).replace(/^Usage: /, ''), `needs ${p.role}`] })),
      context: 'Run one with /procedure NAME key=value …: every step is checked first, then one card confirms them all.',
      ephemeral: true,
    },
  };
}

/** `/procedure [NAME k=v …]`: the list, or a whole runbook from one card (src/procedures). */
export const procedureCommand = defineAppCommand({
  name: 'procedure',
  summary: 'Run a configured procedure (a runbook’s steps) from one card; with no name, list them',
  usage: '/procedure [NAME] [key=value …]',
  params: [
    { name: 'name', description: 'A procedure from the config', type: 'string', choices: names },
    { name: 'params', description: 'Its params as key=value', type: 'string', rest: true },
  ],
  args: z.object({ name: z.string().optional(), params: z.union([z.array(z.string()), z.string()]).optional() }),
  mutating: true,
  // The procedure's secret params, asked for privately exactly as /run asks for an action's.
  secretPrompt(args, config, commandText) {
    const name = args.name?.toLowerCase();
    if (!name || !Object.hasOwn(config.procedures, name)) return null;
    const fields = secretParams(config.procedures[name]!.params).map((n) => {
      const q = config.procedures[name]!.params[n]!;
      return { name: n, label: q.description ? `${n}: ${q.description}` : n, required: q.required };
    });
    return fields.length === 0 ? null : { title: name, commandText, fields };
  },
  async run(ctx, args) {
    if (args.name === undefined || args.name === '') return list(ctx.config);
    const name = args.name.toLowerCase();
    const p = Object.hasOwn(ctx.config.procedures, name) ? ctx.config.procedures[name] : undefined;
    if (!p) {
      const known = names(ctx.config);
      return { status: 'invalid', reply: { title: 'Unknown procedure', status: 'error', text: `There is no procedure "${cut(args.name, 40)}".${didYouMean(name, known)} Procedures: ${known.join(', ') || 'none configured'}.`, ephemeral: true } };
    }
    if (!ctx.hasRole(p.role)) return roleDenied(`/procedure ${name}`, p.role, ctx.actor);
    let words: readonly string[];
    try {
      words = typeof args.params === 'string' ? splitWords(args.params) : (args.params ?? []);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      return { status: 'invalid', reply: { title: `/procedure ${name}: invalid params`, status: 'error', text: err.message, ephemeral: true } };
    }
    return planProcedure(ctx.config, ctx.ports, name, p, words, { actor: ctx.actor, channel: ctx.channel, invocationId: ctx.invocationId, incidentId: ctx.incidentId }, ctx.secrets);
  },
  async execute(ctx, step) {
    const parsed = payloadSchema.safeParse(step.payload);
    if (!parsed.success) return { status: 'failed', reply: { title: '/procedure: unreadable confirmation', status: 'error', text: 'This confirmation does not describe a procedure run. Nothing was run; run the command again.' } };
    return startRun(ctx.config, ctx.ports, parsed.data.run, ctx.actor, { progress: (reply) => ctx.progress(reply) });
  },
});
