// Reads any supported profile file: the format is chosen by file name first, then by content.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ProfileFormatError, type Profile } from './model';
import { parseCpuProfile } from './importers/cpuprofile';
import { parseFolded } from './importers/folded';
import { isPythonProfileJson, parsePythonProfile } from './importers/python';

export type ProfileFormat = 'cpuprofile' | 'folded' | 'python' | 'pstats';

/** The format of a profile, from its name or else its first characters; undefined when neither tells. */
export function detectFormat(name: string, text: string): ProfileFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.cpuprofile')) return 'cpuprofile';
  if (/\.(folded|collapsed|stacks)$/.test(lower)) return 'folded';
  if (/\.(prof|pstats)$/.test(lower)) return 'pstats';
  if (isPythonProfileJson(text)) return 'python';
  const head = text.trimStart();
  if (head.startsWith('{')) return 'cpuprofile';
  if (/^[^\n]*\S\s+\d+(\.\d+)?\s*(\n|$)/.test(head)) return 'folded';
  return undefined;
}

/** Parses profile text; `name` is used for detection and in error messages. */
export function parseProfile(name: string, text: string): Profile {
  const format = detectFormat(name, text);
  switch (format) {
    case 'cpuprofile':
      return parseCpuProfile(text, basename(name));
    case 'folded':
      return parseFolded(text, basename(name));
    case 'python':
      return parsePythonProfile(text, basename(name)).profile;
    case 'pstats':
      throw new ProfileFormatError(`${basename(name)} is a cProfile/pstats file, which is read through Python: open it with readProfile.`);
    default:
      throw new ProfileFormatError(`${basename(name)} is not a profile Perf Lab can read: it supports V8 .cpuprofile JSON, folded stacks ("a;b;c 12"), cProfile/pstats files (.prof, .pstats) and Perf Lab's Python profile JSON.`);
  }
}

/** Reads and parses a profile file; cProfile/pstats files (.prof, .pstats) are converted by Python (`pythonPath`, python3 by default). */
export async function readProfile(path: string, options: { pythonPath?: string } = {}): Promise<Profile> {
  if (detectFormat(path, '') === 'pstats') {
    const { readPstats } = await import('./python-runner');
    return (await readPstats(path, options.pythonPath)).profile;
  }
  return parseProfile(path, await readFile(path, 'utf8'));
}
