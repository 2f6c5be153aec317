// Reads any supported profile file: the format is chosen by file name first, then by content.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ProfileFormatError, type Profile } from './model';
import { parseCpuProfile } from './importers/cpuprofile';
import { parseFolded } from './importers/folded';

export type ProfileFormat = 'cpuprofile' | 'folded';

/** The format of a profile, from its name or else its first characters; undefined when neither tells. */
export function detectFormat(name: string, text: string): ProfileFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.cpuprofile')) return 'cpuprofile';
  if (/\.(folded|collapsed|stacks)$/.test(lower)) return 'folded';
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
    default:
      throw new ProfileFormatError(`${basename(name)} is not a profile Perf Lab can read: it supports V8 .cpuprofile JSON and folded stacks ("a;b;c 12").`);
  }
}

/** Reads and parses a profile file. */
export async function readProfile(path: string): Promise<Profile> {
  return parseProfile(path, await readFile(path, 'utf8'));
}
