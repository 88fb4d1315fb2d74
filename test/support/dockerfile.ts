/**
 * Reads the repository's Dockerfile with dockerfile-ast (the parser behind the VS Code Docker
 * extension) and replays what can run without a Docker daemon: each stage's WORKDIR, COPY and
 * `npm …` RUN steps, as written, in a directory of its own standing for that stage's filesystem.
 * The other RUN steps (apt-get, curl) install system packages; they are returned for the test to
 * check against this machine instead. So the test's install is the Dockerfile's, not a copy of it.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { DockerfileParser, type Copy, type Env, type From, type Instruction, type JSONInstruction } from 'dockerfile-ast';

const execFileAsync = promisify(execFile);

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
 * stage's ENV over this machine's PATH and npm settings (its cache, so no download is repeated; and
 * prefer-offline, so npm does not ask the registry again about what the cache holds). A stage starts
 * once the stages it copies from are done, and independent stages (build and deps) run side by side,
 * as BuildKit runs them: each writes only its own root.
 */
export async function replayStages(stages: Stage[], context: string, scratch: string): Promise<Replayed> {
  const roots = new Map<string, string>();
  const out: Replayed = { roots, workdir: '', systemSteps: [], systemFiles: [], npmSteps: [] };
  // What each RUN is, in the file's order (the order of the report does not depend on which stage finished first).
  for (const stage of stages) {
    for (const i of stage.instructions.filter((i) => i.getKeyword() === 'RUN')) {
      const command = runCommand(i);
      (/^npm\s/.test(command) ? out.npmSteps : out.systemSteps).push({ stage: stage.name, command });
    }
  }
  const done = new Map<string, Promise<string>>();
  for (const stage of stages) {
    const root = join(scratch, stage.name);
    mkdirSync(root, { recursive: true });
    roots.set(stage.name, root);
    const after = stage.instructions.flatMap((i) => {
      const from = i.getKeyword() === 'COPY' ? ((i as Copy).getFromFlag()?.getValue() ?? undefined) : undefined;
      if (from === undefined) return [];
      if (!done.has(from)) throw new Error(`COPY --from=${from}: no stage of that name before it`);
      return [done.get(from)!];
    });
    done.set(stage.name, Promise.all(after).then(() => replayStage(stage, root, context, roots, out)));
  }
  const workdirs = await Promise.all(done.values());
  out.workdir = workdirs.at(-1) ?? '';
  return out;
}

function runCommand(i: Instruction): string {
  return (i.getArgumentsContent() ?? '').replace(/\\\n/g, ' ').trim();
}

/** One stage's WORKDIR, ENV, COPY and npm RUN steps; returns its final WORKDIR. */
async function replayStage(stage: Stage, root: string, context: string, roots: Map<string, string>, out: Replayed): Promise<string> {
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
      const srcRoot = fromStage === undefined ? context : roots.get(fromStage)!;
      for (const src of args) {
        const from = join(srcRoot, src);
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
      const command = runCommand(i);
      if (!/^npm\s/.test(command)) continue; // a system step: the test checks this machine has what it installs
      try {
        await execFileAsync('sh', ['-c', command], { cwd, env: { ...buildEnv(), npm_config_prefer_offline: 'true', ...env }, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
      } catch (err) {
        const e = err as { stderr?: string; message: string };
        throw new Error(`${stage.name}: ${command} failed: ${e.message}\n${(e.stderr ?? '').slice(-2000)}`);
      }
    }
  }
  return cwd;
}

/** This machine's environment without what an enclosing `npm test` exports to its scripts (npm_config_omit and the like). */
function buildEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || k === 'npm_config_cache'));
}

export function readDockerfile(path: string): string {
  return readFileSync(path, 'utf8');
}
