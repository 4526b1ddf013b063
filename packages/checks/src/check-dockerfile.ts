import {
  envDeclarations,
  argDeclarations,
  expandVariables,
  findStage,
  mountFrom,
  parseDockerfile,
  stageChain,
  stageLabel,
  type DockerfileModel,
  type ParsedInstruction,
  type Stage,
} from './dockerfile-model.js';

export interface DockerfileFinding {
  rule: string;
  /** One-based line in the Dockerfile. */
  line: number;
  message: string;
}

export interface CheckDockerfileOptions {
  /** Targets that serve HTTP: each must end up with exactly one HEALTHCHECK (an inherited one counts). */
  servedTargets: string[];
  /**
   * The stages that are built as images. Default: the final stages, those no other stage builds
   * FROM, copies `--from` or mounts `from=`; the served targets are always included.
   */
  targets?: string[];
}

/**
 * The rules, by id: hadolint's id where hadolint has the rule, `BI…` for ours.
 * Lines in findings are one-based.
 */
export const dockerfileRules = {
  DL3002:
    'The last USER of a target stage (inherited from its parent stages too) must not be root or 0.',
  BI001:
    'A target stage must set a USER (directly or through its parent stages): without one it runs as root.',
  DL3006:
    'An external image (FROM, COPY --from, RUN --mount from=) must be pinned with a tag or a digest; ARG defaults are resolved.',
  DL3007: 'An external image must not use the tag latest.',
  DL3020: 'Use COPY instead of ADD.',
  DL3025: 'CMD and ENTRYPOINT must use the exec (JSON) form.',
  DL4006:
    'A RUN with a pipe needs SHELL ["/bin/bash", "-o", "pipefail", "-c"] (its stage or a parent stage) or set -o pipefail before the pipe.',
  DL3024: 'Stage names must be unique.',
  BI002: 'Stage names must match [a-z][a-z0-9_.-]*.',
  BI003:
    'Each served target must have exactly one HEALTHCHECK (inherited ones count), and not HEALTHCHECK NONE.',
  DL3012: 'Only one HEALTHCHECK per stage, and per served target with its parent stages.',
  BI004: 'No "# syntax=" parser directive: it makes BuildKit pull a frontend image.',
  BI005: 'Every served target (and every target asked for) must be a stage of the Dockerfile.',
  BI006:
    'COPY --from and RUN --mount from= may name only a stage defined above: a later one is taken for an image.',
} as const;

export type DockerfileRuleId = keyof typeof dockerfileRules;

/**
 * Checks a Dockerfile's text against the rules of {@link dockerfileRules}. Pure: parses with
 * dockerfile-ast, touches neither the file system nor Docker.
 *
 * The "target stages" (checked for USER and HEALTHCHECK) are `options.targets` when given,
 * otherwise the final stages: those no other stage builds FROM, copies `--from` or mounts
 * `from=`. The served targets are always targets.
 */
export function checkDockerfile(
  text: string,
  options: CheckDockerfileOptions,
): DockerfileFinding[] {
  const model = parseDockerfile(text);
  const findings: DockerfileFinding[] = [];
  const report = (rule: DockerfileRuleId, line: number, message: string) =>
    findings.push({ rule, line, message });

  for (const directive of model.directives) {
    if (directive.name === 'syntax')
      report(
        'BI004',
        directive.line,
        `the "# syntax=${directive.value}" directive makes BuildKit pull a frontend image; use the engine's built-in frontend`,
      );
  }
  checkStageNames(model, report);
  checkImageReferences(model, report);
  for (const stage of model.stages) {
    let healthchecks = 0;
    for (const instruction of stage.instructions) {
      if (instruction.keyword === 'ADD')
        report(
          'DL3020',
          instruction.line,
          'use COPY instead of ADD (fetch URLs or unpack archives in a RUN)',
        );
      if (
        (instruction.keyword === 'CMD' || instruction.keyword === 'ENTRYPOINT') &&
        instruction.exec === undefined
      ) {
        report(
          'DL3025',
          instruction.line,
          `${instruction.keyword} must use the exec form, e.g. ${instruction.keyword} ["node", "dist/main.js"]`,
        );
      }
      if (instruction.keyword === 'HEALTHCHECK' && ++healthchecks === 2) {
        report(
          'DL3012',
          instruction.line,
          `${stageLabel(stage)} has more than one HEALTHCHECK; only the last one applies`,
        );
      }
      if (instruction.keyword === 'RUN') checkPipefail(stage, instruction, report);
    }
  }
  checkTargets(model, options, report);
  return findings.sort((a, b) => a.line - b.line || a.rule.localeCompare(b.rule));
}

type Report = (rule: DockerfileRuleId, line: number, message: string) => void;

function checkStageNames(model: DockerfileModel, report: Report): void {
  const seen = new Map<string, Stage>();
  for (const stage of model.stages) {
    if (stage.name === undefined) continue;
    if (!/^[a-z][a-z0-9_.-]*$/.test(stage.name)) {
      report(
        'BI002',
        stage.line,
        `the stage name "${stage.name}" is not valid: use [a-z][a-z0-9_.-]*`,
      );
    }
    const key = stage.name.toLowerCase();
    const first = seen.get(key);
    if (first)
      report(
        'DL3024',
        stage.line,
        `the stage name "${stage.name}" is already used on line ${first.line}`,
      );
    else seen.set(key, stage);
  }
}

/** Pinning of every external image: FROM, COPY --from=<image> and RUN --mount=…,from=<image>. */
function checkImageReferences(model: DockerfileModel, report: Report): void {
  for (const stage of model.stages) {
    if (!stage.parent) {
      const shown =
        stage.image === stage.resolvedImage
          ? `"${stage.image}"`
          : `"${stage.image}" (= "${stage.resolvedImage}")`;
      if (stage.unresolved.length > 0) {
        report(
          'DL3006',
          stage.line,
          `FROM ${stage.image}: ${stage.unresolved.map((name) => `ARG ${name}`).join(', ')} has no default, so the image cannot be checked to be pinned`,
        );
      } else {
        checkPinned(stage.resolvedImage, `FROM ${shown}`, stage.line, report);
      }
    }
    for (const instruction of stage.instructions) {
      const references: string[] = [];
      for (const flag of instruction.flags) {
        if (
          flag.name === 'from' &&
          (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') &&
          flag.value
        )
          references.push(flag.value);
        if (flag.name === 'mount' && instruction.keyword === 'RUN') {
          const from = mountFrom(flag.value);
          if (from) references.push(from);
        }
      }
      for (const reference of references) {
        const { value } = expandVariables(
          reference,
          instructionVariables(model, stage, instruction),
        );
        if (findStage(model.stages, value, stage)) continue;
        const later = model.stages.find(
          (other) => other.index > stage.index && other.name?.toLowerCase() === value.toLowerCase(),
        );
        if (later) {
          report(
            'BI006',
            instruction.line,
            `${instruction.keyword} from "${reference}" names the stage defined below on line ${later.line}; move that stage above this one`,
          );
          continue;
        }
        checkPinned(value, `${instruction.keyword} from "${reference}"`, instruction.line, report);
      }
    }
  }
}

function checkPinned(image: string, what: string, line: number, report: Report): void {
  if (image.toLowerCase() === 'scratch') return;
  const { tag, digest } = splitImageReference(image);
  if (digest !== undefined) return;
  if (tag === undefined)
    report('DL3006', line, `${what} is not pinned: add a version tag or a digest`);
  else if (tag === 'latest')
    report('DL3007', line, `${what} uses the tag latest: pin a version or a digest`);
}

/** `registry:5000/a/b:tag@sha256:…` → the tag and the digest. */
export function splitImageReference(image: string): {
  name: string;
  tag: string | undefined;
  digest: string | undefined;
} {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const withoutDigest = at >= 0 ? image.slice(0, at) : image;
  const colon = withoutDigest.lastIndexOf(':');
  const tag = colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(colon + 1) : undefined;
  return { name: tag === undefined ? withoutDigest : withoutDigest.slice(0, colon), tag, digest };
}

/**
 * The variables an instruction sees: the global ARG defaults a stage re-declares with `ARG X`,
 * and the ARGs and ENVs of its stage chain before it.
 */
function instructionVariables(
  model: DockerfileModel,
  stage: Stage,
  before: ParsedInstruction | undefined,
): Map<string, string | undefined> {
  const vars = new Map<string, string | undefined>();
  for (const current of stageChain(stage).reverse()) {
    for (const instruction of current.instructions) {
      if (current === stage && instruction === before) break;
      if (instruction.keyword === 'ARG') {
        for (const [name, value] of argDeclarations(instruction.body.text))
          vars.set(name, value ?? model.globalArgs.get(name) ?? vars.get(name));
      } else if (instruction.keyword === 'ENV') {
        for (const [name, value] of envDeclarations(instruction.body.text))
          vars.set(name, expandVariables(value, vars).value);
      }
    }
  }
  return vars;
}

/** DL4006: a pipe in a RUN needs pipefail, from the SHELL in effect or a `set -o pipefail` before it. */
function checkPipefail(stage: Stage, run: ParsedInstruction, report: Report): void {
  if (run.exec !== undefined) return;
  const pipe = findPipe(run.body.text);
  if (pipe < 0) return;
  const shell = effectiveShell(stage, run);
  if (shell && shellHasPipefail(shell)) return;
  if (/\bset\s+(?:[-+][A-Za-z]+\s+)*-[A-Za-z]*o\s+pipefail\b/.test(run.body.text.slice(0, pipe)))
    return;
  report(
    'DL4006',
    run.line,
    'this RUN has a pipe but no pipefail: a failing command before "|" would not fail the build. Set SHELL ["/bin/bash", "-o", "pipefail", "-c"] or start with set -o pipefail',
  );
}

function shellHasPipefail(shell: string[]): boolean {
  return shell.some((arg, i) => /^-[A-Za-z]*o$/.test(arg) && shell[i + 1] === 'pipefail');
}

/** The SHELL in effect at an instruction: the last one before it in its stage, else in its parent stages. */
export function effectiveShell(stage: Stage, at: ParsedInstruction): string[] | undefined {
  let shell: string[] | undefined;
  for (const instruction of stage.instructions) {
    if (instruction === at) break;
    if (instruction.keyword === 'SHELL' && instruction.exec) shell = instruction.exec;
  }
  if (shell) return shell;
  for (let parent = stage.parent; parent; parent = parent.parent) {
    const last = parent.instructions.filter((i) => i.keyword === 'SHELL' && i.exec).at(-1);
    if (last) return last.exec;
  }
  return undefined;
}

/**
 * The index of the first pipe `|` of a shell command outside quotes and escapes (not `||`),
 * or -1. `|&` counts as a pipe.
 */
export function findPipe(script: string): number {
  let quote: string | undefined;
  for (let i = 0; i < script.length; i++) {
    const char = script[i]!;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      continue;
    }
    if (char === '\\') {
      i++;
      continue;
    }
    if (quote === '"') {
      if (char === '"') quote = undefined;
      continue;
    }
    if (char === "'" || char === '"') {
      quote = char;
      continue;
    }
    if (char === '#' && (i === 0 || /\s/.test(script[i - 1]!))) {
      // A comment runs to the end of the line.
      const newline = script.indexOf('\n', i);
      if (newline < 0) return -1;
      i = newline;
      continue;
    }
    if (char === '|') {
      if (script[i + 1] === '|') {
        i++;
        continue;
      }
      return i;
    }
  }
  return -1;
}

function checkTargets(
  model: DockerfileModel,
  options: CheckDockerfileOptions,
  report: Report,
): void {
  const byName = (name: string) =>
    model.stages.filter((stage) => stage.name?.toLowerCase() === name.toLowerCase()).at(-1);
  const targets = new Set<Stage>();
  const wanted = [...(options.targets ?? []), ...options.servedTargets];
  for (const name of wanted) {
    const stage = byName(name);
    if (stage) targets.add(stage);
    else report('BI005', 1, `the target "${name}" is not a stage of this Dockerfile`);
  }
  if (options.targets === undefined) for (const stage of finalStages(model)) targets.add(stage);
  const served = new Set(
    options.servedTargets.map((name) => byName(name)).filter((stage) => stage !== undefined),
  );

  for (const target of [...targets].sort((a, b) => a.index - b.index)) {
    checkUser(model, target, report);
    if (served.has(target)) checkHealthcheck(target, report);
  }
}

/** The stages no other stage builds FROM, copies `--from` or mounts `from=`. */
export function finalStages(model: DockerfileModel): Stage[] {
  const used = new Set<Stage>();
  for (const stage of model.stages) {
    if (stage.parent) used.add(stage.parent);
    for (const instruction of stage.instructions) {
      for (const flag of instruction.flags) {
        const reference =
          flag.name === 'from'
            ? flag.value
            : flag.name === 'mount'
              ? mountFrom(flag.value)
              : undefined;
        if (!reference) continue;
        const { value } = expandVariables(
          reference,
          instructionVariables(model, stage, instruction),
        );
        const source = findStage(model.stages, value, stage);
        if (source) used.add(source);
      }
    }
  }
  return model.stages.filter((stage) => !used.has(stage));
}

/** DL3002 / BI001: the last USER of the stage chain, resolved through ARG and ENV, must not be root. */
function checkUser(model: DockerfileModel, target: Stage, report: Report): void {
  for (const stage of stageChain(target)) {
    const user = stage.instructions.filter((i) => i.keyword === 'USER').at(-1);
    if (!user) continue;
    const via = stage === target ? '' : ` (inherited from ${stageLabel(stage)})`;
    const { value, unresolved } = expandVariables(
      user.body.text,
      instructionVariables(model, stage, user),
    );
    if (unresolved.length > 0) {
      report(
        'DL3002',
        user.line,
        `USER ${user.body.text} of target ${stageLabel(target)}${via} cannot be resolved (${unresolved.join(', ')} has no value), so it may be root`,
      );
    } else if (isRootUser(value)) {
      report(
        'DL3002',
        user.line,
        `target ${stageLabel(target)} runs as root: its last USER is "${value}"${via}; use a numeric non-root user such as USER 1000:1000`,
      );
    }
    return;
  }
  report(
    'BI001',
    target.line,
    `target ${stageLabel(target)} has no USER (nor do its parent stages), so it runs as root: add USER 1000:1000`,
  );
}

/** `root`, `0`, `root:…`, `0:…` or nothing at all. */
export function isRootUser(user: string): boolean {
  const name = user.trim().split(':')[0]!.trim();
  return name === '' || name === 'root' || /^0+$/.test(name);
}

/** BI003 / DL3012: exactly one HEALTHCHECK in the stage chain of a served target, and not NONE. */
function checkHealthcheck(target: Stage, report: Report): void {
  const healthchecks = stageChain(target)
    .reverse()
    .flatMap((stage) => stage.instructions.filter((i) => i.keyword === 'HEALTHCHECK'));
  const last = healthchecks.at(-1);
  if (!last) {
    report(
      'BI003',
      target.line,
      `served target ${stageLabel(target)} has no HEALTHCHECK (nor do its parent stages)`,
    );
  } else if (/^none$/i.test(last.body.text.trim())) {
    report(
      'BI003',
      last.line,
      `served target ${stageLabel(target)} disables its health check with HEALTHCHECK NONE`,
    );
  } else if (healthchecks.length > 1) {
    // A stage with two of them was already reported by the per-stage DL3012.
    const reported = stageChain(target).some(
      (stage) => stage.instructions.filter((i) => i.keyword === 'HEALTHCHECK').length > 1,
    );
    if (!reported)
      report(
        'DL3012',
        healthchecks[1]!.line,
        `served target ${stageLabel(target)} has ${healthchecks.length} HEALTHCHECKs with its parent stages; keep exactly one`,
      );
  }
}
