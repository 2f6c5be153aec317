// Maps a profile of generated JavaScript (a bundle Perf Lab built from TypeScript) back to the original sources.
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND, originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { mapFrames, type Frame, type Profile } from './model';

/** A generated file, its source map, and the source file its top-level code belongs to. */
export interface GeneratedSource {
  file: string;
  map: TraceMap;
  /** The entry source: the generated file's own top-level frame is shown as this file. */
  entry?: string;
}

/** Reads `<file>.map`, or the map a `sourceMappingURL` comment names (file or inline data URL); undefined when there is none. */
export async function loadSourceMap(file: string): Promise<TraceMap | undefined> {
  const tryRead = async (p: string) => readFile(p, 'utf8').catch(() => undefined);
  let text = await tryRead(`${file}.map`);
  let mapUrl = `${file}.map`;
  if (text === undefined) {
    const code = await tryRead(file);
    const m = code && /\/\/[#@] sourceMappingURL=(\S+)\s*$/.exec(code);
    if (!m) return undefined;
    const url = m[1]!;
    const inline = /^data:application\/json[^,]*?(;base64)?,(.*)$/.exec(url);
    if (inline) {
      text = inline[1] ? Buffer.from(inline[2]!, 'base64').toString('utf8') : decodeURIComponent(inline[2]!);
      mapUrl = file;
    } else {
      try {
        mapUrl = fileURLToPath(new URL(url, pathToFileURL(file)));
      } catch {
        return undefined;
      }
      text = await tryRead(mapUrl);
    }
  }
  if (text === undefined) return undefined;
  try {
    return new TraceMap(text, mapUrl);
  } catch {
    return undefined;
  }
}

type Position = { source: string; line: number; column: number; name: string | null };

/** The original position of a 1-based line and 0-based column, looking left first and then right on the same line. */
function lookup(map: TraceMap, line: number, column: number): Position | undefined {
  for (const bias of [GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND] as const) {
    const p = originalPositionFor(map, { line, column, bias });
    if (p.source !== null) return p as Position;
  }
  return undefined;
}

/** V8 names a function after its generated identifier; a bundler may have renamed it (`hot` becomes `hot2`). */
function originalName(generated: string, original: string | null): string {
  if (!original || original === generated) return generated;
  return generated.startsWith(original) && /^\d+$/.test(generated.slice(original.length)) ? original : generated;
}

/**
 * A copy of the profile with every frame and line tick in a generated file moved to its original source.
 * Frames of bundler glue that map to no source keep their name and lose their location.
 */
export function mapProfileToSources(p: Profile, sources: readonly GeneratedSource[]): Profile {
  const byFile = new Map(sources.map((s) => [s.file, s]));
  if (!p.frames.some((f) => byFile.has(f.file))) return p;
  const mapFrame = (f: Frame): Frame => {
    const g = byFile.get(f.file);
    if (!g) return f;
    // The script's own top-level function starts at its first character.
    if (g.entry && f.line <= 1 && f.column <= 1 && f.name === '(anonymous)') return { ...f, file: g.entry, line: 1, column: 1 };
    const pos = f.line > 0 ? lookup(g.map, f.line, Math.max(0, f.column - 1)) : undefined;
    if (!pos) return { ...f, file: '', line: 0, column: 0 };
    return { ...f, name: originalName(f.name, pos.name), file: pos.source, line: pos.line, column: pos.column + 1 };
  };
  const mapLine = (f: Frame, line: number): { file: string; line: number } | undefined => {
    const g = byFile.get(f.file);
    if (!g) return { file: f.file, line };
    const pos = lookup(g.map, line, 0);
    return pos ? { file: pos.source, line: pos.line } : undefined;
  };
  return mapFrames(p, mapFrame, mapLine);
}
