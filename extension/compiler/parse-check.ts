// A file that does not parse is named as such, with its first syntax error, before anything looks for a
// function in it (a parser that recovers from the error would otherwise report the function as missing).
import type * as TS from 'typescript';
import { PerfLabError } from '../errors';

/** The first syntax error of a parsed file as "name line L:C: message", or undefined when it parses. */
export function firstSyntaxError(ts: typeof TS, sf: TS.SourceFile): string | undefined {
  const d = (sf as unknown as { parseDiagnostics?: readonly TS.DiagnosticWithLocation[] }).parseDiagnostics?.[0];
  if (!d) return undefined;
  const { line, character } = sf.getLineAndCharacterOfPosition(d.start);
  return `${sf.fileName.replace(/^.*[\\/]/, '')} line ${line + 1}:${character + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ').replace(/\.$/, '')}`;
}

/** Throws a PerfLabError that names the syntax error and what to do, when the file does not parse. */
export function assertParses(ts: typeof TS, sf: TS.SourceFile): void {
  const error = firstSyntaxError(ts, sf);
  if (error) throw new PerfLabError(`${error}. The file has a syntax error: fix it, save, and run Perf Lab again.`);
}
