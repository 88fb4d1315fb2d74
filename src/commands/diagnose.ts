import { z } from 'zod';
import { defineAppCommand } from '../app/command.js';
import type { FirebreakConfig } from '../config/schema.js';
import { didYouMean } from '../config/did-you-mean.js';
import type { Outcome } from '../core/outcome.js';
import { cut } from '../core/text-format.js';
import { diagnoseGroup } from '../procedures/alert-diagnosis.js';
import { diagnosedServices, diagnosisParams, serviceDiagnosis } from '../procedures/diagnose.js';
import { runUnattended } from '../procedures/unattended-run.js';

const invalid = (title: string, text: string): Outcome => ({ status: 'invalid', reply: { title, status: 'error', text, ephemeral: true } });
const services = (config: FirebreakConfig) => diagnosedServices(config);

/**
 * `/diagnose SERVICE`: the service's configured diagnosis on demand — the procedure of the first
 * alert route with `diagnose:` whose `match` names the service — run like one on arrival (read-only,
 * no confirmation), its params from that route's match labels. `/diagnose --group ID` is the alert
 * card's Diagnose button: the group's route's diagnosis, threaded under its card, once.
 */
export const diagnoseCommand = defineAppCommand({
  name: 'diagnose',
  summary: 'Run a service’s configured read-only diagnosis (an alert route’s diagnose:) and show its report',
  usage: '/diagnose SERVICE',
  params: [
    { name: 'service', description: 'A service an alert route diagnoses', type: 'string', choices: services },
    { name: 'group', description: 'An alert group (the card’s Diagnose button)', type: 'string' },
  ],
  args: z.object({ service: z.string().optional(), group: z.union([z.string(), z.literal(true)]).optional() }),
  mutating: false,
  async run(ctx, args): Promise<Outcome> {
    const known = services(ctx.config);
    if (args.group !== undefined) {
      if (args.group === true || !/^\d{1,19}$/.test(args.group)) return invalid('/diagnose: invalid --group', 'Write the alert group number after --group, as on its card: /diagnose --group 42.');
      const group = await ctx.ports.alerts.get(args.group);
      const procedure = group?.route !== null && group?.route !== undefined ? ctx.config.alerts.routes[group.route]?.diagnose : undefined;
      if (!group || procedure === undefined) return invalid(`Alert group ${args.group} has no diagnosis`, group ? "Its route has no diagnose: in the config." : `There is no alert group ${args.group}.`);
      const store = ctx.ports.diagnoses;
      if (!store) return invalid('Diagnoses are not available', 'This Firebreak has no store for diagnoses.');
      // One holder per press: its heartbeat and its settle touch only its own claim.
      const holder = `${ctx.actor.platform}:${ctx.actor.id}:${ctx.invocationId}`;
      const episode = await store.claimByPerson(group.id, procedure, holder, ctx.ports.chat.all().map((p) => p.platform));
      if (episode === null) {
        return { status: 'ok', reply: { title: `Alert group ${group.id} is already diagnosed`, status: 'info', text: 'Its diagnosis is running or has run: the report is in the card’s thread.', ephemeral: true } };
      }
      const r = await diagnoseGroup(ctx.config, ctx.ports, store, group.id, procedure, { claim: { episode, holder }, actor: ctx.actor, trigger: `Diagnose pressed by ${ctx.actor.name} on alert group ${group.id}`, cardWaitMs: 5_000 });
      ctx.ports.diagnosisMetrics?.diagnosis(r.outcome);
      return { status: r.outcome === 'ok' ? 'ok' : 'failed', reply: r.report };
    }
    if (args.service === undefined || args.service === '') {
      return invalid('/diagnose: which service?', `Name a service: /diagnose SERVICE. Services with a diagnosis: ${known.join(', ') || 'none (add diagnose: to an alert route whose match names a service)'}.`);
    }
    const service = args.service.toLowerCase();
    const found = serviceDiagnosis(ctx.config, service);
    if (!found) return invalid(`${cut(args.service, 40)} has no diagnosis`, `No alert route with diagnose: matches service ${cut(args.service, 40)}.${didYouMean(service, known)} Services with a diagnosis: ${known.join(', ') || 'none'}.`);
    const route = ctx.config.alerts.routes[found.route]!;
    const p = ctx.config.procedures[found.procedure]!;
    const params = diagnosisParams(p, { ...route.match, service });
    if (!params.ok) return invalid(`/diagnose ${service}`, params.why);
    const r = await runUnattended(ctx.config, ctx.ports, {
      procedure: found.procedure,
      actor: ctx.actor,
      trigger: `/diagnose ${service} by ${ctx.actor.name}`,
      channel: ctx.channel,
      incidentId: ctx.incidentId,
      params: params.params,
      show: async (reply) => ctx.progress(reply),
    });
    if (r.kind === 'ran') {
      ctx.ports.diagnosisMetrics?.diagnosis(r.ok ? 'ok' : 'failed');
      return { status: r.ok ? 'ok' : 'failed', reply: r.report };
    }
    ctx.ports.diagnosisMetrics?.diagnosis('skipped');
    return r.kind === 'refused' ? { status: 'failed', reply: r.reply } : invalid(`Procedure ${found.procedure} is not read-only`, `Its ${r.step.label} ${r.step.why}; nothing was run.`);
  },
});
