import type { FirebreakConfig } from '../config/schema.js';
import type { CommandCatalog } from '../core/command-catalog.js';
import { didYouMean } from '../config/did-you-mean.js';
import { ParseError, parseCommandText } from '../core/parser.js';
import { PROCEDURE_PLACEHOLDER } from '../config/procedures-schema.js';

/**
 * What the config alone cannot know: that each `run:` step names a command this Firebreak has
 * (and not /procedure itself). Checked at load with the registry, every problem with its path; the
 * step's arguments are the command's to check when /procedure plans it.
 */
export function procedureCommandProblems(config: FirebreakConfig, commands: CommandCatalog): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  for (const [name, p] of Object.entries(config.procedures)) {
    for (const list of ['steps', 'on_failure'] as const) {
      p[list].forEach((s, i) => {
        if (s.run === undefined) return;
        const path = `procedures.${name}.${list}[${i}].run`;
        try {
          const command = parseCommandText(s.run.replace(PROCEDURE_PLACEHOLDER, 'x')).command;
          if (command === 'procedure') problems.push({ path, message: 'a procedure cannot run another procedure' });
          else if (!commands.get(command)) problems.push({ path, message: `there is no command /${command}.${didYouMean(command, commands.names(), '/')}` });
        } catch (err) {
          if (!(err instanceof ParseError)) throw err;
          problems.push({ path, message: err.message });
        }
      });
    }
  }
  return problems;
}
