/**
 * Reads the repository's Dockerfile with dockerfile-ast (the parser behind the VS Code Docker
 * extension) and replays what can run without a Docker daemon: each stage's WORKDIR, COPY and
 * `npm …` RUN steps, as written, in a directory of its own standing for that stage's filesystem.
 * The other RUN steps (apt-get, curl) install system packages; they are returned for the test to
 * check against this machine instead. So the test's install is the Dockerfile's, not a copy of it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { DockerfileParser, type Copy, type Env, type From, type Instruction, type JSONInstruction } from 'dockerfile-ast';

export interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

export function readStages(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const i of DockerfileParser.parse(text).getInstructions()) {
    if (i.getKeyword() === 'FROM') {
      const from = i as From;
      stages.push({ name: from.getBuildStage() ?? String(stages.length), image: from.getImage() ?? '', instructions: [] });
    } else if (stages.length > 0) stages.at(-1)!.instructions.push(i);
  }
  return stages;
}

/** A JSON-form instruction's strings (ENTRYPOINT ["a","b"]), or null for the shell form. */
export function jsonArgs(i: Instruction | undefined): string[] | null {
  if (!i) return null;
  const strings = (i as JSONInstruction).getJSONStrings?.() ?? [];
  return strings.length > 0 ? strings.map((s) => s.getJSONValue()) : null;
}

export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions) {
    if (i.getKeyword() !== 'ENV') continue;
    for (const p of (i as Env).getProperties()) env[p.getName()] = p.getUnescapedValue() ?? '';
  }
  return env;
}

export interface Replayed {
  /** Each stage's stand-in root directory. */
  roots: Map<string, string>;
  /** The last stage's WORKDIR, under its root. */
  workdir: string;
  /** RUN steps not replayed (system packages), by stage. */
  systemSteps: { stage: string; command: string }[];
  /** COPY --from sources a system step would have made (kubectl), not replayed. */
  systemFiles: { stage: string; from: string; source: string; dest: string }[];
  npmSteps: { stage: string; command: string }[];
}

/**
 * Replays the stages into `scratch`, as root like `docker build` does. `npm` steps run with the
 * stage's ENV over this machine's PATH and npm settings (its cache, so no download is repeated).
 */
export function replayStages(stages: Stage[], context: string, scratch: string): Replayed {
  const roots = new Map<string, string>();
  const out: Replayed = { roots, workdir: '', systemSteps: [], systemFiles: [], npmSteps: [] };
  for (const stage of stages) {
    const root = join(scratch, stage.name);
    mkdirSync(root, { recursive: true });
    roots.set(stage.name, root);
    let cwd = root;
    const env: Record<string, string> = {};
    const under = (p: string) => (isAbsolute(p) ? join(root, p) : join(cwd, p));
    for (const i of stage.instructions) {
      const kw = i.getKeyword();
      if (kw === 'WORKDIR') {
        cwd = under(i.getArgumentsContent() ?? '/');
        mkdirSync(cwd, { recursive: true });
      } else if (kw === 'ENV') {
        for (const p of (i as Env).getProperties()) env[p.getName()] = p.getUnescapedValue() ?? '';
      } else if (kw === 'COPY') {
        const args = i.getArguments().map((a) => a.getValue() ?? '');
        const dest = args.pop()!;
        const fromStage = (i as Copy).getFromFlag()?.getValue() ?? undefined;
        const srcRoot = fromStage === undefined ? context : roots.get(fromStage);
        if (fromStage !== undefined && srcRoot === undefined) throw new Error(`COPY --from=${fromStage}: no stage of that name before it`);
        for (const src of args) {
          const from = fromStage === undefined ? join(context, src) : join(srcRoot!, src);
          if (!existsSync(from)) {
            if (fromStage === undefined) throw new Error(`COPY ${src}: not in the build context`);
            out.systemFiles.push({ stage: stage.name, from: fromStage, source: src, dest });
            continue;
          }
          const target = dest.endsWith('/') || args.length > 1 ? join(under(dest), basename(src)) : under(dest);
          mkdirSync(statSync(from).isDirectory() ? target : join(target, '..'), { recursive: true });
          cpSync(from, target, { recursive: true });
        }
      } else if (kw === 'RUN') {
        const command = (i.getArgumentsContent() ?? '').replace(/\\\n/g, ' ').trim();
        if (/^npm\s/.test(command)) {
          out.npmSteps.push({ stage: stage.name, command });
          execFileSync('sh', ['-c', command], { cwd, stdio: 'pipe', env: { ...buildEnv(), ...env }, timeout: 600_000 });
        } else out.systemSteps.push({ stage: stage.name, command });
      }
    }
    out.workdir = cwd;
  }
  return out;
}

/** This machine's environment without what an enclosing `npm test` exports to its scripts (npm_config_omit and the like). */
function buildEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || k === 'npm_config_cache'));
}

export function readDockerfile(path: string): string {
  return readFileSync(path, 'utf8');
}
