// Reads any supported profile file: the format is chosen by file name first, then by content.
// JSON formats and folded stacks are read in one streaming pass, so a file of any size opens without its text in memory.
import { open, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { checkReadableFile } from './file-problem';
import { isGzipped, openBytes } from './json-scan';
import { ProfileFormatError, type Profile } from './model';
import { looksLikeChromeTrace, parseChromeTrace, readChromeTraceFile } from './importers/chrome-trace';
import { parseCpuProfile, readCpuProfileFile } from './importers/cpuprofile';
import { parseFolded, readFoldedFile } from './importers/folded';
import { looksLikePerfScript, parsePerfScript, readPerfScriptFile } from './importers/perf-script';
import { isPythonProfileJson, parsePythonProfile } from './importers/python';
import { looksLikeSpeedscope, parseSpeedscope, readSpeedscopeFile } from './importers/speedscope';

export type ProfileFormat = 'cpuprofile' | 'chrome-trace' | 'speedscope' | 'folded' | 'perf-script' | 'python' | 'pstats';

/** What each format is called in messages and tables. */
export const FORMAT_NAMES: Record<ProfileFormat, string> = {
  cpuprofile: 'V8 CPU profile (.cpuprofile)',
  'chrome-trace': "Chrome trace (CPU profile events, or timed spans such as Ray's timeline)",
  speedscope: 'speedscope JSON',
  folded: 'folded stacks',
  'perf-script': '`perf script` output',
  python: "Perf Lab's Python profile JSON",
  pstats: 'cProfile/pstats',
};

/** How much of a file's start {@link detectFormat} looks at. */
export const DETECT_HEAD_BYTES = 64 * 1024;

/** The format of a profile from its name alone; undefined when the name does not tell. */
function formatByName(name: string): ProfileFormat | undefined {
  // A gzipped profile is named as the profile, plus .gz.
  const lower = basename(name).toLowerCase().replace(/\.gz$/, '');
  if (lower.endsWith('.cpuprofile')) return 'cpuprofile';
  if (lower.endsWith('.speedscope.json')) return 'speedscope';
  if (/\.(folded|collapsed|stacks)$/.test(lower)) return 'folded';
  if (/^perf\.script$|\.perf(-script)?$|\.perf\.txt$/.test(lower)) return 'perf-script';
  if (/\.(prof|pstats)$/.test(lower)) return 'pstats';
  // DevTools saves traces as Trace-<date>.json; chrome://tracing and --trace-startup-file users often use .trace.json.
  if (/\.trace(\.json)?$/.test(lower) || /^trace-[^/]*\.json$/.test(lower)) return 'chrome-trace';
  return undefined;
}

/** The format of a profile, from its name or else its first characters; undefined when neither tells. */
export function detectFormat(name: string, text: string): ProfileFormat | undefined {
  const byName = formatByName(name);
  if (byName) return byName;
  if (isPythonProfileJson(text)) return 'python';
  if (looksLikeSpeedscope(text)) return 'speedscope';
  if (looksLikeChromeTrace(text)) return 'chrome-trace';
  if (looksLikePerfScript(text)) return 'perf-script';
  const head = text.trimStart();
  if (head.startsWith('{')) return 'cpuprofile';
  if (/^[^\n]*\S\s+\d+(\.\d+)?\s*(\n|$)/.test(head)) return 'folded';
  return undefined;
}

function unknownFormat(name: string): never {
  throw new ProfileFormatError(
    `${basename(name)} is not a profile Perf Lab can read: it supports V8 .cpuprofile JSON, Chrome traces with CPU profile events (DevTools' Performance panel), speedscope JSON, folded stacks ("a;b;c 12", from stackcollapse or py-spy --format raw), perf script output, cProfile/pstats files (.prof, .pstats) and Perf Lab's Python profile JSON.`,
  );
}

/** Parses profile text; `name` is used for detection and in error messages. */
export function parseProfile(name: string, text: string): Profile {
  const format = detectFormat(name, text);
  const source = basename(name);
  switch (format) {
    case 'cpuprofile':
      return parseCpuProfile(text, source);
    case 'chrome-trace':
      return parseChromeTrace(text, source);
    case 'speedscope':
      return parseSpeedscope(text, source);
    case 'folded':
      return parseFolded(text, source);
    case 'perf-script':
      return parsePerfScript(text, source);
    case 'python':
      return parsePythonProfile(text, source).profile;
    case 'pstats':
      throw new ProfileFormatError(`${source} is a cProfile/pstats file, which is read through Python: open it with readProfile.`);
    default:
      return unknownFormat(name);
  }
}

/** The first bytes of a file (decompressed when gzipped), as text, for {@link detectFormat}. */
async function readHead(path: string): Promise<string> {
  if (isGzipped(path)) {
    const parts: Buffer[] = [];
    let got = 0;
    try {
      for await (const chunk of openBytes(path)) {
        parts.push(chunk);
        got += chunk.length;
        if (got >= DETECT_HEAD_BYTES) break;
      }
    } catch (e) {
      throw new ProfileFormatError(`${basename(path)} could not be decompressed (${(e as Error).message}): is it really a gzip file?`);
    }
    return Buffer.concat(parts).subarray(0, DETECT_HEAD_BYTES).toString('utf8');
  }
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(DETECT_HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** The format of a profile file, by name, else by its first bytes. */
export async function detectFileFormat(path: string): Promise<ProfileFormat | undefined> {
  return formatByName(path) ?? detectFormat(path, await readHead(path));
}

/**
 * Reads a profile file of any supported format and any size; cProfile/pstats files (.prof, .pstats) are converted
 * by Python (`pythonPath`, python3 by default).
 */
export async function readProfile(path: string, options: { pythonPath?: string } = {}): Promise<Profile> {
  await checkReadableFile(path, 'the path of a profile file');
  const format = await detectFileFormat(path);
  const source = basename(path);
  switch (format) {
    case 'pstats': {
      const { readPstats } = await import('./python-runner');
      return (await readPstats(path, options.pythonPath)).profile;
    }
    case 'cpuprofile':
      return readCpuProfileFile(path, source);
    case 'chrome-trace':
      return readChromeTraceFile(path, source);
    case 'speedscope':
      return readSpeedscopeFile(path, source);
    case 'folded':
      return readFoldedFile(path, source);
    case 'perf-script':
      return readPerfScriptFile(path, source);
    case 'python':
      return parsePythonProfile(await readFile(path, 'utf8'), source).profile;
    default:
      return unknownFormat(path);
  }
}
