import type { RuledButton } from '../../core/button-handlers.js';
import type { PipelinePorts } from '../../core/pipeline-ports.js';
import type { ProceduresPorts } from '../ports.js';
import { procedureButton } from './procedure-button.js';

/** The procedure card's buttons, typed by the dispatcher's ports (they run commands of its registry). */
export function procedureButtons<P extends ProceduresPorts & PipelinePorts<P>>(): RuledButton<P>[] {
  return [procedureButton<P>()];
}
