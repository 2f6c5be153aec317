// Line-oriented profile formats (folded stacks, perf script) read from memory or from a file of any size.
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { openBytes } from './json-scan';

/** A reader fed one line at a time, which builds its result at the end. */
export interface LineReader<T> {
  line(text: string): void;
  result(): T;
}

/** Runs a reader over text held in memory. */
export function readLinesOfText<T>(reader: LineReader<T>, text: string): T {
  for (const line of text.split(/\r?\n/)) reader.line(line);
  return reader.result();
}

/** Runs a reader over a file (decompressing a .gz), line by line. */
export async function readLinesOfFile<T>(reader: LineReader<T>, path: string): Promise<T> {
  const lines = createInterface({ input: Readable.from(openBytes(path)).setEncoding('utf8'), crlfDelay: Infinity });
  for await (const line of lines) reader.line(line);
  return reader.result();
}
