// Line-oriented profile formats (folded stacks, perf script) read from memory or from a file of any size.
import { basename } from 'node:path';
import { openBytes } from './json-scan';
import { ProfileFormatError } from './model';

/** A reader fed one line at a time, which builds its result at the end. */
export interface LineReader<T> {
  line(text: string): void;
  result(): T;
}

/** The longest line read: far above any real stack, far below what one JavaScript string can hold. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** Runs a reader over text held in memory. */
export function readLinesOfText<T>(reader: LineReader<T>, text: string): T {
  for (const line of text.split(/\r?\n/)) reader.line(line);
  return reader.result();
}

/**
 * Runs a reader over a file (decompressing a .gz), line by line. Only the current line is held: a line longer than
 * `maxLineBytes`, or a zero byte (binary data, not text), ends the read with a message instead of exhausting memory.
 */
export async function readLinesOfFile<T>(reader: LineReader<T>, path: string, maxLineBytes = MAX_LINE_BYTES): Promise<T> {
  const source = basename(path);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  let offset = 0;
  const emit = (parts: Buffer[]) => {
    lineNo++;
    let text = (parts.length === 1 ? parts[0]! : Buffer.concat(parts)).toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    reader.line(text);
  };
  for await (const chunk of openBytes(path)) {
    const zero = chunk.indexOf(0);
    if (zero >= 0) {
      throw new ProfileFormatError(
        `${source} is not text: it holds a zero byte at byte ${offset + zero}${offset + zero === 0 ? ' (the file starts with zero bytes: it was allocated but never written, or is truncated)' : ''}. Give a text profile (folded stacks, perf script output).`,
      );
    }
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      if (pendingBytes + nl - start > maxLineBytes) break;
      pending.push(chunk.subarray(start, nl));
      emit(pending);
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
    }
    // The chunk's buffer may be reused: what is kept past it is copied.
    pending.push(Buffer.from(chunk.subarray(start)));
    pendingBytes += chunk.length - start;
    if (pendingBytes > maxLineBytes) {
      throw new ProfileFormatError(
        `${source}:${lineNo + 1} is a line longer than ${Math.round(maxLineBytes / 1048576)} MB: not a profile Perf Lab reads line by line (folded stacks, perf script output).`,
      );
    }
    offset += chunk.length;
  }
  if (pendingBytes > 0) emit(pending);
  return reader.result();
}
