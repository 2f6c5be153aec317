// Which code a result came from: the file's content hash, the function's own source hash (so that an edit elsewhere
// in the file does not make it a new version of the function), and where git knows the file, the commit, whether the
// tree and the file differ from it, and a key that follows the file across clones and worktrees (the repository's
// first commit and the path in it). git is optional: without it, or outside a repository, the key is the path.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';

export interface GitState {
  commit: string;
  /** Whether tracked files differ from the commit. */
  dirty: boolean;
  /** Whether this file differs from the commit (or is not in it). */
  fileDirty: boolean;
  /** The repository's first commit: the same in every clone and worktree. */
  root: string;
  /** The file's path in the repository, with forward slashes. */
  path: string;
}

export interface CodeIdentity {
  /** Where the function is tracked across versions: `git:<root>:<path>`, or the absolute path. */
  key: string;
  file: string;
  fileHash: string;
  function: string;
  /** The function's source text's hash; absent when the function was not found in the file. */
  functionHash?: string;
  git?: GitState;
  /** A hash of all of the above: one row per version of the code. */
  id: string;
}

function hash(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Runs git with an argument array; undefined when git is missing, the folder is not in a repository, or it fails. */
async function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((done) => {
    execFile('git', args, { cwd, timeout: 10_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => done(err ? undefined : stdout.trim()));
  });
}

/** The git state of a file, or undefined outside git. */
export async function gitState(file: string): Promise<GitState | undefined> {
  const cwd = dirname(file);
  const top = await git(cwd, ['rev-parse', '--show-toplevel']);
  const commit = top && (await git(cwd, ['rev-parse', 'HEAD']));
  if (!top || !commit) return undefined;
  const roots = (await git(cwd, ['rev-list', '--max-parents=0', 'HEAD'])) ?? commit;
  const root = roots.split('\n').sort()[0]!;
  const path = relative(resolve(top), resolve(file)).split(sep).join('/');
  const status = (await git(cwd, ['status', '--porcelain', '--untracked-files=no'])) ?? '';
  const fileStatus = (await git(cwd, ['status', '--porcelain', '--', path.length > 0 ? resolve(file) : '.'])) ?? '';
  return { commit, dirty: status.length > 0, fileDirty: fileStatus.length > 0, root, path };
}

/**
 * The source text of `name` in a JavaScript or TypeScript file: a function declaration, a variable bound to a function
 * or arrow, or a method; `Class.method` and `outer/inner` name a nested one. Undefined when not found.
 */
async function jsFunctionText(source: string, fileName: string, name: string): Promise<{ text: string; start: number } | undefined> {
  const { loadTypeScript } = await import('../compiler/frontend-js');
  const ts = await loadTypeScript();
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const path = name.split(/[./]/);
  const nameOf = (n: import('typescript').Node): string | undefined => {
    if ((ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isClassDeclaration(n)) && n.name && ts.isIdentifier(n.name)) return n.name.text;
    if (
      ts.isVariableDeclaration(n) &&
      ts.isIdentifier(n.name) &&
      n.initializer &&
      (ts.isArrowFunction(n.initializer) || ts.isFunctionExpression(n.initializer))
    )
      return n.name.text;
    return undefined;
  };
  let found: import('typescript').Node | undefined;
  const visit = (n: import('typescript').Node, depth: number): void => {
    if (found) return;
    const own = nameOf(n);
    if (own !== undefined && own === path[depth]) {
      if (depth === path.length - 1) {
        found = n;
        return;
      }
      ts.forEachChild(n, (c) => visit(c, depth + 1));
      return;
    }
    ts.forEachChild(n, (c) => visit(c, depth));
  };
  visit(sf, 0);
  return found ? { text: source.slice(found.getStart(sf), found.end), start: found.getStart(sf) } : undefined;
}

/** The source text of `def name` in a Python file (its decorators and indented body); the last part of `A.b` or `a/b`. */
export function pythonFunctionText(source: string, name: string): { text: string; start: number } | undefined {
  const last = name.split(/[./]/).pop()!;
  const lines = source.split(/\r?\n/);
  const head = new RegExp(`^(\\s*)(async\\s+)?def\\s+${last.replace(/[^\w]/g, '')}\\s*\\(`);
  const i = lines.findIndex((l) => head.test(l));
  if (i < 0) return undefined;
  const indent = head.exec(lines[i]!)![1]!.length;
  let start = i;
  while (start > 0 && lines[start - 1]!.trim().startsWith('@')) start--;
  let end = i + 1;
  for (; end < lines.length; end++) {
    const l = lines[end]!;
    if (l.trim() === '') continue;
    if (l.length - l.trimStart().length <= indent && !/^\s*[)\]}]/.test(l)) break;
  }
  const offset = source
    .split('\n')
    .slice(0, i)
    .reduce((n, l) => n + l.length + 1, 0);
  return { text: lines.slice(start, end).join('\n').trimEnd(), start: offset };
}

/** Where `name` starts in a source file's text (an offset), for a lens above it; undefined when not found. */
export async function functionStart(source: string, file: string, name: string): Promise<number | undefined> {
  try {
    return (/\.py$/i.test(file) ? pythonFunctionText(source, name) : await jsFunctionText(source, file, name))?.start;
  } catch {
    return undefined;
  }
}

/** The identity of `functionName` in `file` as it is on disk now (`source`: its text, when already read). */
export async function codeIdentity(file: string, functionName: string, source?: string): Promise<CodeIdentity> {
  const abs = resolve(file);
  const bytes = source ?? (await readFile(abs, 'utf8'));
  const fileHash = hash(bytes);
  let text: string | undefined;
  if (functionName) {
    try {
      text = (/\.py$/i.test(abs) ? pythonFunctionText(bytes, functionName) : await jsFunctionText(bytes, abs, functionName))?.text;
    } catch {
      // A file that does not parse has no function text: the file's hash still tells its versions apart.
      text = undefined;
    }
  }
  const functionHash = text === undefined ? undefined : hash(text);
  const g = await gitState(abs);
  const key = g ? `git:${g.root.slice(0, 12)}:${g.path}` : abs;
  const id = hash(JSON.stringify([key, abs, fileHash, functionName, functionHash ?? null, g?.commit ?? null, g?.dirty ?? null, g?.fileDirty ?? null]));
  return { key, file: abs, fileHash, function: functionName, ...(functionHash ? { functionHash } : {}), ...(g ? { git: g } : {}), id };
}
