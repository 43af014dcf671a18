import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Readers for the files a self-hoster runs the product from: the Dockerfile and Compose's variables. */

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/**
 * A Dockerfile's build stages, each with its instructions: comments dropped, continued lines
 * joined, keywords upper-cased, as Docker reads them.
 */
export function parseDockerfile(text: string): Stage[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (/^\s*(#|$)/.test(line)) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    lines.push(`${pending}${line.trim()}`);
    pending = '';
  }
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args };
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${keyword} before the first FROM`);
      stage.instructions.push(instruction);
    }
  }
  return stages;
}

export function argsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** An instruction's exec form (`["node", "bin/churn.js"]`) as its words. */
export function execForm(args: string): string[] {
  const words: unknown = JSON.parse(args);
  if (!Array.isArray(words) || !words.every((w) => typeof w === 'string')) {
    throw new Error(`not an exec-form array of strings: ${args}`);
  }
  return words;
}

/** `ENV A=1 B=2` as a map (the `ENV A 1` form is not used). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of argsOf(stage, 'ENV')) {
    for (const [, name = '', value = ''] of args.matchAll(/([A-Za-z_]\w*)=("[^"]*"|\S*)/g)) {
      env[name] = value.replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

export interface Copy {
  fromStage: string | undefined;
  /** Each source with the path it gets in the image, both relative to the working directory. */
  entries: { source: string; target: string }[];
}

/** A stage's COPY instructions; a source from another stage is made relative to that stage's WORKDIR. */
export function copiesOf(stage: Stage, stages: Stage[]): Copy[] {
  const workdir = argsOf(stage, 'WORKDIR').at(-1) ?? '/';
  return argsOf(stage, 'COPY').map((args) => {
    const words = args.split(/\s+/);
    const flags = words.filter((w) => w.startsWith('--'));
    const paths = words.filter((w) => !w.startsWith('--'));
    const fromStage = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
    const sourceWorkdir = fromStage
      ? (argsOf(stages.find((s) => s.name === fromStage) ?? stage, 'WORKDIR').at(-1) ?? '/')
      : workdir;
    const dest = paths.at(-1) ?? '';
    const toDir = dest.endsWith('/') || paths.length > 2;
    return {
      fromStage,
      entries: paths.slice(0, -1).map((source) => ({
        source: posix.normalize(posix.relative(sourceWorkdir, posix.resolve(sourceWorkdir, source))),
        target: posix.normalize(
          posix.relative(workdir, posix.resolve(workdir, toDir ? posix.join(dest, basename(source)) : dest)),
        ),
      })),
    };
  });
}

export interface VariableUse {
  name: string;
  /** `${NAME:?message}` or `${NAME?message}`: Compose stops when it is not set. */
  required: boolean;
}

const NAME = /^[A-Za-z_]\w*/;

/**
 * Compose's interpolation of one value: `$$`, `$NAME`, `${NAME}`, `${NAME:-default}`,
 * `${NAME-default}`, `${NAME:?error}`, `${NAME?error}`, `${NAME:+other}`, `${NAME+other}`, nested
 * inside defaults. Each variable met is added to `uses`.
 */
export function interpolate(
  value: string,
  variables: Record<string, string | undefined>,
  uses: VariableUse[] = [],
): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    if (value.startsWith('$$', i)) {
      out += '$';
      i += 2;
    } else if (value.startsWith('${', i)) {
      const end = closingBrace(value, i + 2);
      out += expression(value.slice(i + 2, end), variables, uses);
      i = end + 1;
    } else if (value[i] === '$' && NAME.test(value.slice(i + 1))) {
      const name = NAME.exec(value.slice(i + 1))![0];
      uses.push({ name, required: false });
      out += variables[name] ?? '';
      i += 1 + name.length;
    } else {
      out += value[i];
      i += 1;
    }
  }
  return out;
}

function closingBrace(value: string, from: number): number {
  let depth = 1;
  for (let j = from; j < value.length; j++) {
    if (value.startsWith('${', j)) {
      depth += 1;
      j += 1;
    } else if (value[j] === '}' && --depth === 0) {
      return j;
    }
  }
  throw new Error(`no closing brace in ${value}`);
}

function expression(
  inner: string,
  variables: Record<string, string | undefined>,
  uses: VariableUse[],
): string {
  const match = /^([A-Za-z_]\w*)(?:(:?[-?+])([\s\S]*))?$/.exec(inner);
  if (!match) throw new Error(`not a Compose variable: \${${inner}}`);
  const [, name = '', operator = '', operand = ''] = match;
  uses.push({ name, required: operator.endsWith('?') });
  const other = interpolate(operand, variables, uses);
  const value = variables[name];
  const set = operator.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
  switch (operator) {
    case '':
      return value ?? '';
    case ':-':
    case '-':
      return set ? value! : other;
    case ':?':
    case '?':
      if (!set) throw new Error(`${name}: ${other}`);
      return value!;
    default:
      return set ? other : '';
  }
}

/** Every string in a parsed YAML document, for the variables they name. */
export function stringsIn(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(stringsIn);
  if (node && typeof node === 'object') return Object.values(node).flatMap(stringsIn);
  return [];
}

/** `NAME=value` lines of an env file, and the `# NAME=value` lines that show an optional one. */
export function parseEnvExample(text: string): { set: Map<string, string>; commented: Set<string> } {
  const set = new Map<string, string>();
  const commented = new Set<string>();
  for (const line of text.split('\n')) {
    const assigned = /^([A-Za-z_]\w*)=(.*)$/.exec(line.trim());
    if (assigned) set.set(assigned[1]!, assigned[2]!);
    const optional = /^#\s*([A-Za-z_]\w*)=/.exec(line.trim());
    if (optional) commented.add(optional[1]!);
  }
  return { set, commented };
}

/**
 * The files a program loads at run time through relative imports, from its entry file: static and
 * dynamic imports, re-exports, and `new URL('./file', import.meta.url)` (worker threads' entries).
 * Type-only imports are left out: they do not exist at run time.
 */
export function runtimeImports(entry: string): string[] {
  const found = new Set<string>();
  const queue = [resolve(entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (found.has(file)) continue;
    found.add(file);
    if (!/\.(ts|tsx|js|mjs)$/.test(file)) continue;
    for (const specifier of relativeSpecifiers(file)) {
      const target = resolveSpecifier(dirname(file), specifier);
      if (target) queue.push(target);
    }
  }
  return [...found];
}

function relativeSpecifiers(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const specifiers: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) {
      specifiers.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && !node.isTypeOnly) {
      specifiers.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      specifiers.push(node.arguments[0].text);
    } else if (
      ts.isNewExpression(node) &&
      node.expression.getText() === 'URL' &&
      node.arguments?.[0] &&
      ts.isStringLiteralLike(node.arguments[0]) &&
      node.arguments[1]?.getText() === 'import.meta.url'
    ) {
      specifiers.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers.filter((s) => s.startsWith('./') || s.startsWith('../'));
}

function resolveSpecifier(fromDir: string, specifier: string): string | undefined {
  const path = join(fromDir, specifier);
  const candidates = [
    path.replace(/\.js$/, '.ts'),
    path.replace(/\.js$/, '.tsx'),
    path,
    `${path}.ts`,
    join(path, 'index.ts'),
  ];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

/** A path relative to `root`, with forward slashes. */
export function fromRoot(root: string, path: string): string {
  return relative(root, path).split('\\').join('/');
}
