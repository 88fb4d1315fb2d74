import { z } from 'zod';
import { defineButton, type RuledButton } from '../../core/button-handlers.js';
import type { PipelinePorts } from '../../core/pipeline-ports.js';
import { PROCEDURE_ACTIONS } from '../card.js';
import type { ProceduresPorts } from '../ports.js';
import { pressProcedure } from '../press.js';

/** `ACTION:RUN:STEP` after the `procedure:` prefix. */
const actionSchema = z.enum(PROCEDURE_ACTIONS);
const payload = z
  .string()
  .regex(/^[a-z]+:[a-f0-9]{20}:\d{1,3}$/)
  .transform((s, ctx) => {
    const [a = '', run = '', step = ''] = s.split(':');
    const action = actionSchema.safeParse(a);
    if (!action.success) {
      ctx.addIssue({ code: 'custom', message: 'unknown procedure action' });
      return z.NEVER;
    }
    return [action.data, run, Number(step)] as const;
  });

/**
 * Approve / Reject (a gate), Done (a manual step), Retry step / Skip step / Abort on a procedure
 * card. Its role is the procedure's own (in the stored run), so the handler checks it; every press
 * is one `button` row on the timeline, saying who pressed what.
 */
export function procedureButton<P extends ProceduresPorts & PipelinePorts<P>>(): RuledButton<P> {
  return defineButton<z.infer<typeof payload>, P>({
    prefix: 'procedure',
    kind: 'handler',
    metricLabel: '(procedure)',
    name: 'Procedure',
    outsideAllowedChannels: false,
    payload,
    record: (arg, p) => ({ command: 'procedure', text: p ? `(procedure ${p[0]}) run ${p[1]} step ${p[2] + 1}` : `(procedure ${arg.slice(0, 60)})` }),
    handle: (press, env) => pressProcedure(env.config, env.ports, { action: press.payload[0], runId: press.payload[1], step: press.payload[2], actor: press.inv.actor, sink: press.sink, now: env.now() }),
  });
}
