// Qualified names for the JavaScript and TypeScript frames of a profile. V8 names a method `step` and a function
// nested in another `inner`; the profile names them the way the code addresses them, `Grid.step` and `outer/inner`,
// as Python's profiles name theirs (`Class.method`, `outer/inner`).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, isAbsolute } from 'node:path';
import type * as TS from 'typescript';
import { ownName, profileName } from '../compiler/js-functions';
import type { Frame, Profile } from './model';

const SOURCE_KINDS: Record<string, 'JS' | 'TS' | 'JSX' | 'TSX'> = {
  '.js': 'JS',
  '.mjs': 'JS',
  '.cjs': 'JS',
  '.jsx': 'JSX',
  '.ts': 'TS',
  '.mts': 'TS',
  '.cts': 'TS',
  '.tsx': 'TSX',
};

/** One function of a source file: the name V8 gives it, where its parameters start (1-based), its qualified name. */
interface NamedFunction {
  name: string;
  line: number;
  column: number;
  qualified: string;
}

/**
 * The profile with its user code's methods and nested functions renamed `Class.method` and `outer/inner`, found by
 * parsing the source files of their frames (not node_modules, not Node's own). A frame is renamed only when exactly
 * one function of its name starts its parameters on its line (the nearest column decides between several); a file
 * that changed or does not parse keeps V8's names.
 */
export async function qualifyJsNames(profile: Profile): Promise<Profile> {
  const texts = new Map<string, string | undefined>();
  for (const f of profile.frames) if (isUserSource(f) && !texts.has(f.file)) texts.set(f.file, await readFile(f.file, 'utf8').catch(() => undefined));
  // TypeScript's parser takes a while to load: only when a named function starts on an indented line (a method, a
  // nested function), which a top-level function does not.
  const lines = new Map<string, string[]>();
  const mayNest = (f: Frame) => {
    const text = texts.get(f.file);
    if (text === undefined || !/^[\w$#]+$/.test(f.name)) return false;
    if (!lines.has(f.file)) lines.set(f.file, text.split('\n'));
    return /^\s/.test(lines.get(f.file)![f.line - 1] ?? '');
  };
  const files = new Set(profile.frames.filter((f) => isUserSource(f) && mayNest(f)).map((f) => f.file));
  if (files.size === 0) return profile;
  const ts = await import('typescript');
  const byFile = new Map<string, NamedFunction[]>();
  for (const file of files) byFile.set(file, namedFunctions(ts, file, texts.get(file)!));
  let renamed = false;
  const frames = profile.frames.map((f) => {
    const found = isUserSource(f) ? byFile.get(f.file) : undefined;
    const same = found?.filter((n) => n.name === f.name && n.line === f.line) ?? [];
    if (same.length === 0) return f;
    const best = same.reduce((a, b) => (Math.abs(b.column - f.column) < Math.abs(a.column - f.column) ? b : a));
    if (best.qualified === f.name) return f;
    renamed = true;
    return { ...f, name: best.qualified };
  });
  return renamed ? { ...profile, frames } : profile;
}

function isUserSource(f: Frame): boolean {
  return (
    f.kind === 'js' &&
    isAbsolute(f.file) &&
    SOURCE_KINDS[extname(f.file).toLowerCase()] !== undefined &&
    !/[\\/]node_modules[\\/]/.test(f.file) &&
    existsSync(f.file)
  );
}

/** Every named function of a file with its qualified name: classes join with `.`, enclosing functions with `/`. */
function namedFunctions(ts: typeof TS, file: string, text: string): NamedFunction[] {
  const kind = ts.ScriptKind[SOURCE_KINDS[extname(file).toLowerCase()]!];
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const out: NamedFunction[] = [];
  const visit = (node: TS.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const name = ownName(ts, node);
      if (name !== undefined) {
        // V8 places a function where its parameter list starts.
        const open = node.parameters.pos - (text[node.parameters.pos - 1] === '(' ? 1 : 0);
        const at = sf.getLineAndCharacterOfPosition(open);
        out.push({ name, line: at.line + 1, column: at.character + 1, qualified: profileName(ts, node, name) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}
