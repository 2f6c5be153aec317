// Recordings on disk, in a folder the caller chooses (the extension's storage, or ~/.cache/perf-lab for the command
// line), keyed by file path, function name, the file's content hash and the recorders' format: once the file or what
// the recorders capture changes, its recordings are no longer found.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { decodeRecording, encodeRecording, type EncodedRecording, type Recording } from './recording';
import { sourceHash } from './record';

/**
 * What the recorders capture of a call, as a number that is part of every stored recording's name: raise it whenever
 * the recorders start or stop capturing something (a hidden argument such as a file-level variable, `this`, a method's
 * attributes). A recording made by an older recorder is then not found, and the function is recorded again, instead
 * of being compiled from calls that lack what the compiler now expects of them.
 */
export const RECORDER_FORMAT = 2;

function stem(file: string, functionName: string): string {
  const pathHash = createHash('sha256').update(resolve(file)).digest('hex').slice(0, 12);
  return `${pathHash}-${functionName.replace(/[^\w$]/g, '_')}`;
}

/** The file a recording is stored in. */
export function recordingPath(dir: string, file: string, functionName: string, hash: string): string {
  return join(dir, 'recordings', `${stem(file, functionName)}-${hash}-r${RECORDER_FORMAT}.json`);
}

/** Writes a recording's text and removes the stale ones of the same function (recorded from older contents of the file). */
export async function writeRecordingText(dir: string, file: string, functionName: string, hash: string, text: string): Promise<string> {
  const folder = join(dir, 'recordings');
  await mkdir(folder, { recursive: true });
  const path = recordingPath(dir, file, functionName, hash);
  await writeFile(`${path}.part`, text);
  await rename(`${path}.part`, path);
  const prefix = `${stem(file, functionName)}-`;
  for (const name of await readdir(folder)) {
    if (name.startsWith(prefix) && join(folder, name) !== path) await rm(join(folder, name), { force: true });
  }
  return path;
}

/** The stored text of the recording of `functionName` in `file` as the file is now, with its path; undefined when none. */
export async function readRecordingText(dir: string, file: string, functionName: string): Promise<{ path: string; text: string } | undefined> {
  const bytes = await readFile(file).catch(() => undefined);
  if (!bytes) return undefined;
  const path = recordingPath(dir, file, functionName, sourceHash(bytes));
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : { path, text };
}

/** Stores a recording and removes the stale ones of the same function (recorded from older contents of the file). */
export async function saveRecording(dir: string, rec: Recording): Promise<string> {
  return writeRecordingText(dir, rec.file, rec.functionName, rec.sourceHash, JSON.stringify(encodeRecording(rec)));
}

/**
 * The stored recording of `functionName` in `file` as the file is now; undefined when there is none, or only one
 * of an older version of the file (stale). An unreadable recording counts as none.
 */
export async function loadRecording(dir: string, file: string, functionName: string): Promise<Recording | undefined> {
  const stored = await readRecordingText(dir, file, functionName);
  if (!stored) return undefined;
  try {
    return decodeRecording(JSON.parse(stored.text) as EncodedRecording);
  } catch {
    return undefined;
  }
}
