// A file the user named that cannot be used (missing, a folder, a pipe, empty, unreadable), said as what to do,
// never as an error code and a stack trace.
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PerfLabError } from '../errors';

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'does not exist',
  ENOTDIR: 'does not exist (a part of its path is a file, not a folder)',
  EACCES: 'cannot be opened: permission denied. Check its permissions (and those of its folders)',
  EPERM: 'cannot be opened: the operation is not permitted. Check its permissions',
  EISDIR: 'is a folder, not a file',
  EROFS: 'is on a read-only file system',
  ENOSPC: 'could not be written: the disk is full',
  EDQUOT: 'could not be written: the disk quota is used up',
  EMFILE: 'could not be opened: too many files are open. Close some programs and try again',
  ENFILE: 'could not be opened: too many files are open. Close some programs and try again',
  ENAMETOOLONG: 'has a name too long for the file system',
  ELOOP: 'is a loop of symbolic links',
  EIO: 'could not be read: the device reported an input/output error',
};

/** A user-facing error for a failed file operation (an error with a Node errno `code`), or undefined for any other error. */
export function fileProblem(e: unknown): PerfLabError | undefined {
  const err = e as NodeJS.ErrnoException;
  if (!(e instanceof Error) || typeof err.code !== 'string' || !(err.code in ERRNO_TEXT)) return undefined;
  const what = err.path ?? (err as { dest?: string }).dest;
  return new PerfLabError(`${what ? `${what} ` : 'A file '}${ERRNO_TEXT[err.code]}.`);
}

/**
 * Checks that `path` names a regular file with something in it that this process may read; otherwise throws a
 * PerfLabError that says what is wrong and what to give instead. `what` says what to give instead ("the path of a profile file").
 */
export async function checkReadableFile(path: string, what: string, shownPath = path): Promise<{ size: number }> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new PerfLabError(`${shownPath} does not exist. Give ${what}.`);
    throw code in ERRNO_TEXT ? new PerfLabError(`${shownPath} ${ERRNO_TEXT[code]}.`) : e;
  }
  if (st.isDirectory()) {
    const inside = await readdir(path).catch(() => [] as string[]);
    const hint = inside.filter((n) => /\.(cpuprofile|json|folded|collapsed|stacks|prof|pstats|perf|txt|gz)$/i.test(n)).slice(0, 3);
    throw new PerfLabError(
      `${shownPath} is a folder, not a file. Give ${what}${hint.length > 0 ? `, e.g. ${hint.map((n) => join(shownPath, n)).join(', ')}` : ''}.`,
    );
  }
  if (!st.isFile()) {
    const kind = st.isFIFO() ? 'a named pipe' : st.isSocket() ? 'a socket' : 'a device';
    throw new PerfLabError(`${shownPath} is ${kind}, not a regular file. Save the data to a file and give that file's path.`);
  }
  if (st.size === 0) throw new PerfLabError(`${shownPath} is empty (0 bytes). Was it still being written? Record it again, or give ${what}.`);
  try {
    await access(path, constants.R_OK);
  } catch {
    throw new PerfLabError(`${shownPath} cannot be read: permission denied. Check its permissions (chmod +r), or copy it somewhere readable.`);
  }
  return { size: st.size };
}
