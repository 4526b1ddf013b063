import {
  DockerfileParser,
  type Dockerfile,
  type Flag,
  type Instruction,
  type ModifiableInstruction,
} from 'dockerfile-ast';

/** One character of an instruction's text after Docker's line joining, with where it came from. */
export interface SourceChar {
  char: string;
  /** Zero-based line in the Dockerfile. */
  line: number;
  /** Zero-based column in that line. */
  column: number;
}

/** An instruction's arguments as Docker's parser sees them: continuation lines joined, leading flags removed. */
export interface InstructionBody {
  text: string;
  chars: SourceChar[];
}

export interface ParsedInstruction {
  keyword: string;
  /** One-based line of the keyword. */
  line: number;
  node: Instruction;
  /** Flags before the arguments (`--mount=…`, `--from=…`), by name; repeatable. */
  flags: { name: string; value: string | null }[];
  body: InstructionBody;
  /** The JSON (exec) form's strings, when the arguments are a JSON array of strings. */
  exec: string[] | undefined;
}

export interface Stage {
  index: number;
  /** The `AS` name as written, when there is one. */
  name: string | undefined;
  /** One-based line of the FROM. */
  line: number;
  /** The FROM image as written (`${NODE_IMAGE}`). */
  image: string;
  /** The FROM image with the global ARG defaults substituted. */
  resolvedImage: string;
  /** Variables the FROM uses that have no default value. */
  unresolved: string[];
  /** The stage this one builds FROM, when it is one. */
  parent: Stage | undefined;
  instructions: ParsedInstruction[];
}

export interface DockerfileModel {
  dockerfile: Dockerfile;
  escapeChar: string;
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
  /** One-based lines of the parser directives, by lower-cased name. */
  directives: { name: string; value: string; line: number }[];
}

const variablePattern =
  /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * Substitutes `$X`, `${X}`, `${X:-word}`, `${X-word}`, `${X:+word}` and `${X+word}` as BuildKit
 * does. A variable that is declared without a value (or not declared) is reported as unresolved.
 */
export function expandVariables(
  text: string,
  vars: ReadonlyMap<string, string | undefined>,
): { value: string; unresolved: string[] } {
  const unresolved: string[] = [];
  const value = text.replace(
    variablePattern,
    (
      _match,
      braced: string | undefined,
      operator: string | undefined,
      word: string | undefined,
      bare: string | undefined,
    ) => {
      const name = (braced ?? bare)!;
      const current = vars.get(name);
      const isSet = current !== undefined;
      const isNonEmpty = isSet && current !== '';
      switch (operator) {
        case ':-':
          return isNonEmpty ? current : (word ?? '');
        case '-':
          return isSet ? current : (word ?? '');
        case ':+':
          return isNonEmpty ? (word ?? '') : '';
        case '+':
          return isSet ? (word ?? '') : '';
        default:
          if (!isSet) unresolved.push(name);
          return current ?? '';
      }
    },
  );
  return { value, unresolved };
}

/**
 * The arguments of an instruction as Docker's parser joins them: an escape character at the end
 * of a line (trailing blanks allowed) continues the instruction, and the comment and blank lines
 * inside a continued instruction are dropped. Characters covered by the instruction's flags are
 * left out. Every character keeps its place in the file, to map findings back.
 */
function instructionBody(
  lines: readonly string[],
  node: Instruction,
  flags: readonly Flag[],
  escapeChar: string,
): InstructionBody {
  const range = node.getRange();
  const keywordEnd = node.getInstructionRange().end;
  let flagsEnd = keywordEnd;
  for (const flag of flags) {
    const end = flag.getRange().end;
    if (
      end.line > flagsEnd.line ||
      (end.line === flagsEnd.line && end.character > flagsEnd.character)
    )
      flagsEnd = end;
  }
  const chars: SourceChar[] = [];
  let continuing = false;
  for (let lineNo = keywordEnd.line; lineNo <= range.end.line; lineNo++) {
    const line = lines[lineNo] ?? '';
    if (lineNo > keywordEnd.line && continuing && /^\s*(#.*)?$/.test(line)) continue;
    let content = line;
    continuing = false;
    const trailing = new RegExp(`${escapeRegExp(escapeChar)}[ \\t]*$`);
    const match = trailing.exec(line);
    if (match && lineNo < range.end.line) {
      content = line.slice(0, match.index);
      continuing = true;
    }
    const start = lineNo === keywordEnd.line ? keywordEnd.character : 0;
    for (let column = start; column < content.length; column++) {
      if (lineNo < flagsEnd.line || (lineNo === flagsEnd.line && column < flagsEnd.character))
        continue;
      chars.push({ char: content[column]!, line: lineNo, column });
    }
    if (!continuing && lineNo < range.end.line)
      chars.push({ char: '\n', line: lineNo, column: content.length });
  }
  // Leading and trailing blanks are not part of the arguments.
  while (chars.length > 0 && /\s/.test(chars[0]!.char)) chars.shift();
  while (chars.length > 0 && /\s/.test(chars.at(-1)!.char)) chars.pop();
  return { text: chars.map((c) => c.char).join(''), chars };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Docker's rule: the arguments are the exec form when they parse as a JSON array of strings. */
function parseExecForm(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.every((item) => typeof item === 'string'))
      return value as string[];
  } catch {
    // Not JSON: the shell form.
  }
  return undefined;
}

const flagKeywords = new Set(['ADD', 'COPY', 'FROM', 'HEALTHCHECK', 'RUN']);

function parseInstruction(
  lines: readonly string[],
  node: Instruction,
  escapeChar: string,
): ParsedInstruction {
  const keyword = node.getKeyword().toUpperCase();
  const flagNodes = flagKeywords.has(keyword) ? (node as ModifiableInstruction).getFlags() : [];
  const body = instructionBody(lines, node, flagNodes, escapeChar);
  return {
    keyword,
    line: node.getRange().start.line + 1,
    node,
    flags: flagNodes.map((flag) => ({
      name: flag.getName().toLowerCase(),
      value: flag.getValue(),
    })),
    body,
    exec: parseExecForm(body.text),
  };
}

/** Splits a FROM's arguments (flags already removed) into the image and the stage name. */
function parseFrom(text: string): { image: string; name: string | undefined } {
  const words = text.split(/\s+/).filter((word) => word !== '');
  const image = words[0] ?? '';
  const name = words.length >= 3 && words[1]?.toLowerCase() === 'as' ? words[2] : undefined;
  return { image, name };
}

/** Parses a Dockerfile into its global ARGs, parser directives and stages (each with its parent stage). */
export function parseDockerfile(text: string): DockerfileModel {
  const dockerfile = DockerfileParser.parse(text);
  const lines = text.split(/\r?\n/);
  const escapeChar = dockerfile.getEscapeCharacter();
  const globalArgs = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  for (const node of dockerfile.getInstructions()) {
    const parsed = parseInstruction(lines, node, escapeChar);
    if (parsed.keyword === 'FROM') {
      const { image, name } = parseFrom(parsed.body.text);
      const { value, unresolved } = expandVariables(image, globalArgs);
      stages.push({
        index: stages.length,
        name,
        line: parsed.line,
        image,
        resolvedImage: value,
        unresolved,
        parent: undefined,
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (stage) {
      stage.instructions.push(parsed);
    } else if (parsed.keyword === 'ARG') {
      for (const [name, value] of argDeclarations(parsed.body.text)) globalArgs.set(name, value);
    }
  }
  for (const stage of stages) stage.parent = findStage(stages, stage.resolvedImage, stage);
  const directives = dockerfile.getDirectives().map((directive) => ({
    name: directive.getName().toLowerCase(),
    value: directive.getValue(),
    line: directive.getRange().start.line + 1,
  }));
  return { dockerfile, escapeChar, globalArgs, stages, directives };
}

/** `ARG A=1 B` → [A, '1'], [B, undefined]; quotes around a value are removed. */
export function argDeclarations(text: string): [string, string | undefined][] {
  const result: [string, string | undefined][] = [];
  for (const word of splitWords(text)) {
    const eq = word.indexOf('=');
    if (eq < 0) result.push([word, undefined]);
    else result.push([word.slice(0, eq), unquote(word.slice(eq + 1))]);
  }
  return result;
}

/** `ENV A=1 B=2`, and the legacy `ENV A 1 2`. */
export function envDeclarations(text: string): [string, string][] {
  const words = splitWords(text);
  if (words.length > 0 && !words[0]!.includes('=')) {
    const [name, ...rest] = text.trim().split(/\s+/);
    return name ? [[name, rest.join(' ')]] : [];
  }
  return words.map((word) => {
    const eq = word.indexOf('=');
    return eq < 0 ? [word, ''] : [word.slice(0, eq), unquote(word.slice(eq + 1))];
  });
}

/** Splits on blanks outside quotes. */
function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      current += char;
      if (char === '\\' && quote === '"' && i + 1 < text.length) current += text[++i];
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
      current += char;
    } else if (/\s/.test(char)) {
      if (current !== '') words.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (current !== '') words.push(current);
  return words;
}

function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
    const inner = value.slice(1, -1);
    return value[0] === '"' ? inner.replace(/\\(.)/g, '$1') : inner;
  }
  return value;
}

/**
 * The stage a FROM or `--from` names: a stage index (`0`) or a stage name, compared without case
 * as BuildKit lower-cases names. Anything else is an image.
 */
export function findStage(
  stages: readonly Stage[],
  reference: string,
  from: Stage,
): Stage | undefined {
  if (/^\d+$/.test(reference)) {
    const stage = stages[Number(reference)];
    return stage && stage !== from && stage.index < from.index ? stage : undefined;
  }
  const wanted = reference.toLowerCase();
  // The closest earlier stage of that name (a later one cannot be built from).
  for (let i = from.index - 1; i >= 0; i--) {
    if (stages[i]!.name?.toLowerCase() === wanted) return stages[i];
  }
  return undefined;
}

/** The stage followed by its parent, its parent's parent, … (a cycle stops the walk). */
export function stageChain(stage: Stage): Stage[] {
  const chain: Stage[] = [];
  for (
    let current: Stage | undefined = stage;
    current && !chain.includes(current);
    current = current.parent
  )
    chain.push(current);
  return chain;
}

/** How a stage is called in messages. */
export function stageLabel(stage: Stage): string {
  return stage.name !== undefined ? `stage "${stage.name}"` : `stage #${stage.index}`;
}

/** The `from=` of a `--mount` flag's options, when there is one. */
export function mountFrom(value: string | null): string | undefined {
  for (const option of (value ?? '').split(',')) {
    const [key, ...rest] = option.split('=');
    if (key?.trim().toLowerCase() === 'from') return rest.join('=').trim();
  }
  return undefined;
}
