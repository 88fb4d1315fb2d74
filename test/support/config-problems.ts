import { ConfigError, parseConfigText } from '../../src/config/load.js';

/** The problems `config check` would list for this YAML (no environment); throws when it is valid. */
export function configProblems(yaml: string): { path: string; message: string }[] {
  try {
    parseConfigText(yaml, 'test.yml', {});
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('config unexpectedly valid');
}
