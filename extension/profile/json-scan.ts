// A streaming JSON scanner for profile files too large for one JSON.parse: it walks the bytes once, chunk by chunk,
// and hands each value to the caller the way the caller asks for it (parsed, as a run of numbers, or skipped), so
// only small pieces are ever materialised and long number arrays go straight into typed arrays.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { ProfileFormatError } from './model';

/** A path into the document: object keys and array indices, outermost first. */
export type JsonPath = readonly (string | number)[];

/** Receives the numbers of an array, in order; `end` is called after the last. */
export interface NumberSink {
  push(n: number): void;
  end?(): void;
}

/**
 * What to do with the value at a path: walk into it (its children are asked again), parse it whole into a JS value
 * (for small values), stream it as an array of numbers, or skip it.
 */
export type ScanAction = 'descend' | 'value' | 'skip' | NumberSink;

export interface ScanHandler {
  /** Called once per value before it is read. */
  action(path: JsonPath): ScanAction;
  /** A value asked for with 'value' (or a scalar met where 'descend' was asked). */
  value?(path: JsonPath, value: unknown): void;
  /** The end of an object or array asked for with 'descend'. */
  leave?(path: JsonPath): void;
}

const enum S {
  Value,
  ObjKeyOrEnd,
  ObjKey,
  Key,
  Colon,
  AfterValue,
  ArrValueOrEnd,
  Raw,
  NumsStart,
  Nums,
  Done,
}

interface Container {
  array: boolean;
  index: number;
}

// Byte values used by the scanner.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/** The first bytes a JSON value can have: an object, an array, a string, a number, true, false, null. */
const VALUE_START = new Set([LBRACE, LBRACKET, QUOTE, MINUS, ...Array.from({ length: 10 }, (_, d) => ZERO + d), 0x74, 0x66, 0x6e]);

/** The largest scalar (a number, true, false, null) taken as one; anything longer is not JSON. */
const MAX_SCALAR_BYTES = 4096;

/** The largest value parsed whole: past it the text could not become one JavaScript string. */
export const MAX_VALUE_BYTES = 256 * 1024 * 1024;

/** A byte for a message: the character when printable, else its hex code. */
function describeByte(c: number): string {
  return c >= 0x21 && c < 0x7f ? `"${String.fromCharCode(c)}"` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** A resumable scanner: feed it chunks with {@link write}, then call {@link end}. */
export class JsonScanner {
  private state = S.Value;
  private readonly stack: Container[] = [];
  private readonly path: (string | number)[] = [];
  private offset = 0;
  // Raw capture (a value parsed or skipped whole).
  private rawDepth = 0;
  private rawInString = false;
  private rawEscape = false;
  private rawScalar = false;
  private rawKeep = false;
  private rawParts: Buffer[] = [];
  private rawBytes = 0;
  // Key capture.
  private keyParts: Buffer[] = [];
  private keyEscape = false;
  // Number run.
  private sink: NumberSink | undefined;
  private numInt = 0;
  private numNeg = false;
  private numDigits = 0;
  private numSlow: string | undefined;

  constructor(
    private readonly handler: ScanHandler,
    private readonly source: string,
  ) {}

  private fail(what: string, at: number): never {
    throw new ProfileFormatError(`${this.source} is not valid JSON at byte ${this.offset + at}: ${what}.`);
  }

  /** Scans the next chunk of the document. */
  write(buf: Buffer): void {
    const n = buf.length;
    // A UTF-8 byte order mark (editors on Windows write one) is no part of the JSON.
    let i = this.offset === 0 && n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    while (i < n) {
      switch (this.state) {
        case S.Value: {
          const c = buf[i]!;
          if (isSpace(c)) {
            i++;
            break;
          }
          i = this.startValue(buf, i);
          break;
        }
        case S.ObjKeyOrEnd:
        case S.ObjKey: {
          const c = buf[i]!;
          if (isSpace(c)) {
            i++;
          } else if (c === QUOTE) {
            this.state = S.Key;
            this.keyParts = [];
            this.keyEscape = false;
            i++;
          } else if (c === RBRACE && this.state === S.ObjKeyOrEnd) {
            i++;
            this.closeContainer();
          } else this.fail(`expected a key, found "${String.fromCharCode(c)}"`, i);
          break;
        }
        case S.Key: {
          const start = i;
          let esc = this.keyEscape;
          while (i < n) {
            const c = buf[i]!;
            if (esc) esc = false;
            else if (c === BACKSLASH) esc = true;
            else if (c === QUOTE) break;
            i++;
          }
          this.keyEscape = esc;
          this.keyParts.push(i < n ? buf.subarray(start, i) : Buffer.from(buf.subarray(start, i)));
          if (i < n) {
            i++;
            const raw = Buffer.concat(this.keyParts).toString('utf8');
            const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
            this.path.push(key);
            this.state = S.Colon;
          }
          break;
        }
        case S.Colon: {
          const c = buf[i]!;
          if (isSpace(c)) i++;
          else if (c === COLON) {
            i++;
            this.state = S.Value;
          } else this.fail('expected ":" after a key', i);
          break;
        }
        case S.AfterValue: {
          const c = buf[i]!;
          if (isSpace(c)) {
            i++;
            break;
          }
          const top = this.stack[this.stack.length - 1];
          if (!top) this.fail('unexpected text after the end of the document', i);
          if (c === COMMA) {
            i++;
            if (top.array) {
              top.index++;
              this.path.push(top.index);
              this.state = S.Value;
            } else this.state = S.ObjKey;
          } else if (c === (top.array ? RBRACKET : RBRACE)) {
            i++;
            this.closeContainer();
          } else this.fail(`expected "," or "${top.array ? ']' : '}'}"`, i);
          break;
        }
        case S.ArrValueOrEnd: {
          const c = buf[i]!;
          if (isSpace(c)) i++;
          else if (c === RBRACKET) {
            i++;
            this.path.pop();
            this.closeContainer();
          } else this.state = S.Value;
          break;
        }
        case S.Raw:
          i = this.raw(buf, i);
          break;
        case S.NumsStart: {
          const c = buf[i]!;
          if (isSpace(c)) i++;
          else if (c === LBRACKET) {
            i++;
            this.state = S.Nums;
          } else this.fail(`expected an array of numbers at ${this.path.join('.')}`, i);
          break;
        }
        case S.Nums:
          i = this.nums(buf, i);
          break;
        case S.Done: {
          if (!isSpace(buf[i]!)) this.fail('unexpected text after the end of the document', i);
          i++;
          break;
        }
      }
    }
    this.offset += n;
  }

  /** Checks that the document is complete. */
  end(): void {
    if (this.state === S.Raw && this.rawScalar && this.rawDepth === 0) this.finishRaw();
    if (this.state !== S.Done)
      throw new ProfileFormatError(`${this.source} is not valid JSON: it ends after ${this.offset} bytes, in the middle of a value (is the file truncated?).`);
  }

  private startValue(buf: Buffer, i: number): number {
    const c = buf[i]!;
    // Checked before anything is kept: a file of zero bytes or binary data fails here, at its first byte, instead of
    // being gathered whole as one malformed value.
    if (this.stack.length === 0 && c !== LBRACE && c !== LBRACKET)
      this.fail(
        `a JSON document starts with "{" or "[", not ${describeByte(c)}${c === 0 ? ' (the file starts with zero bytes: it was allocated but never written, or is truncated)' : ''}`,
        i,
      );
    if (!VALUE_START.has(c)) this.fail(`expected a value at ${this.path.join('.')}, found ${describeByte(c)}`, i);
    const action = this.handler.action(this.path);
    if (typeof action === 'object') {
      this.sink = action;
      this.numSlow = undefined;
      this.numDigits = 0;
      this.numPhase = 0;
      this.state = S.NumsStart;
      return i;
    }
    if (action === 'descend' && (c === LBRACE || c === LBRACKET)) {
      const array = c === LBRACKET;
      this.stack.push({ array, index: 0 });
      if (array) {
        this.path.push(0);
        this.state = S.ArrValueOrEnd;
      } else this.state = S.ObjKeyOrEnd;
      return i + 1;
    }
    this.rawKeep = action !== 'skip';
    this.rawParts = [];
    this.rawBytes = 0;
    this.rawDepth = 0;
    this.rawInString = false;
    this.rawEscape = false;
    this.rawScalar = c !== LBRACE && c !== LBRACKET && c !== QUOTE;
    this.state = S.Raw;
    return i;
  }

  /** Scans a value whole: to its matching bracket, the end of its string, or the delimiter after a scalar. */
  private raw(buf: Buffer, i: number): number {
    const n = buf.length;
    const start = i;
    let depth = this.rawDepth;
    let inString = this.rawInString;
    let esc = this.rawEscape;
    let done = false;
    if (this.rawScalar) {
      while (i < n) {
        const c = buf[i]!;
        if (c === COMMA || c === RBRACE || c === RBRACKET || isSpace(c)) {
          done = true;
          break;
        }
        i++;
      }
    } else {
      while (i < n) {
        const c = buf[i++]!;
        if (inString) {
          if (esc) esc = false;
          else if (c === BACKSLASH) esc = true;
          else if (c === QUOTE) {
            inString = false;
            if (depth === 0) {
              done = true;
              break;
            }
          }
        } else if (c === QUOTE) inString = true;
        else if (c === LBRACE || c === LBRACKET) depth++;
        else if (c === RBRACE || c === RBRACKET) {
          if (--depth === 0) {
            done = true;
            break;
          }
        }
      }
    }
    this.rawDepth = depth;
    this.rawInString = inString;
    this.rawEscape = esc;
    this.rawBytes += i - start;
    if (this.rawScalar && !done && this.rawBytes > MAX_SCALAR_BYTES)
      this.fail(`a value at ${this.path.join('.') || 'the top'} runs on for more than ${MAX_SCALAR_BYTES} bytes without a delimiter`, i);
    if (this.rawKeep && this.rawBytes > MAX_VALUE_BYTES)
      this.fail(`the value at ${this.path.join('.') || 'the top'} is larger than ${MAX_VALUE_BYTES / 1048576} MB, more than one value Perf Lab reads whole`, i);
    // A part kept past this chunk is copied: the caller may reuse the chunk's buffer.
    if (this.rawKeep) this.rawParts.push(done ? buf.subarray(start, i) : Buffer.from(buf.subarray(start, i)));
    if (done) this.finishRaw(i);
    return i;
  }

  private finishRaw(at = 0): void {
    if (this.rawKeep) {
      const text = Buffer.concat(this.rawParts).toString('utf8');
      this.rawParts = [];
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch (e) {
        this.fail(`${(e as Error).message} in the value at ${this.path.join('.') || 'the top'}`, at);
      }
      this.handler.value?.(this.path, v);
    }
    this.afterValue();
  }

  /** A run of numbers, parsed without making strings for the common case of integers. */
  private nums(buf: Buffer, i: number): number {
    const n = buf.length;
    const sink = this.sink!;
    let v = this.numInt;
    let neg = this.numNeg;
    let digits = this.numDigits;
    // 0: at the start, 1: after a number, 2: after a comma.
    let phase = this.numPhase;
    while (i < n) {
      let c = buf[i]!;
      if (c >= ZERO && c <= NINE) {
        if (this.numSlow !== undefined) {
          this.numSlow += String.fromCharCode(c);
          i++;
          continue;
        }
        if (digits === 0 && !neg && phase === 1) this.fail(`expected "," between numbers at ${this.path.join('.')}`, i);
        // The common case, a run of digits, in a loop of its own.
        do {
          v = v * 10 + (c - ZERO);
          digits++;
          i++;
        } while (i < n && (c = buf[i]!) >= ZERO && c <= NINE);
        if (i >= n) break;
        // The common case again: an integer ended by a comma.
        if (c === COMMA) {
          sink.push(neg ? -v : v);
          v = 0;
          neg = false;
          digits = 0;
          phase = 2;
          i++;
          continue;
        }
      }
      const inToken = digits > 0 || neg || this.numSlow !== undefined;
      if (c === COMMA || c === RBRACKET || isSpace(c)) {
        if (inToken) {
          if (this.numSlow !== undefined) {
            const x = Number(this.numSlow);
            if (Number.isNaN(x)) this.fail(`"${this.numSlow}" is not a number`, i);
            sink.push(x);
            this.numSlow = undefined;
          } else if (digits === 0) this.fail('"-" is not a number', i);
          // Integers past 2^53 lose precision here as they do in JSON.parse.
          else sink.push(neg ? -v : v);
          v = 0;
          neg = false;
          digits = 0;
          phase = 1;
        }
        i++;
        if (c === COMMA) {
          if (phase !== 1) this.fail(`expected a number before "," at ${this.path.join('.')}`, i - 1);
          phase = 2;
        } else if (c === RBRACKET) {
          if (phase === 2) this.fail(`expected a number after "," at ${this.path.join('.')}`, i - 1);
          this.numInt = 0;
          this.numNeg = false;
          this.numDigits = 0;
          this.numPhase = 0;
          this.sink = undefined;
          sink.end?.();
          this.afterValue();
          return i;
        }
        continue;
      }
      if (!inToken && c === MINUS && phase !== 1) {
        neg = true;
        i++;
        continue;
      }
      const slow = this.numSlow;
      if (inToken && (c === 0x2e || c === 0x65 || c === 0x45 || ((c === 0x2b || c === MINUS) && slow !== undefined && /[eE]$/.test(slow)))) {
        // A fraction or exponent: this number is finished through Number().
        this.numSlow = (slow ?? (neg ? '-' : '') + String(v)) + String.fromCharCode(c);
        digits = 0;
        i++;
        continue;
      }
      this.fail(`expected a number at ${this.path.join('.')}, found "${String.fromCharCode(c)}"`, i);
    }
    this.numInt = v;
    this.numNeg = neg;
    this.numDigits = digits;
    this.numPhase = phase;
    return i;
  }

  private numPhase = 0;

  private closeContainer(): void {
    this.stack.pop();
    this.handler.leave?.(this.path);
    this.afterValue();
  }

  private afterValue(): void {
    if (this.stack.length === 0) {
      this.state = S.Done;
      return;
    }
    this.path.pop();
    this.state = S.AfterValue;
  }
}

/** Whether a file is gzip-compressed, by its name (DevTools saves traces as .json.gz). */
export function isGzipped(path: string): boolean {
  return path.toLowerCase().endsWith('.gz');
}

/** A file's bytes, decompressed when it is gzipped, as a stream of chunks. */
export function openBytes(path: string): AsyncIterable<Buffer> {
  const raw = createReadStream(path, { highWaterMark: 1 << 22 });
  return isGzipped(path) ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
}

/** Scans a file in chunks (decompressing a .gz); nothing but the current chunk and the values asked for is held. */
export async function scanJsonFile(path: string, handler: ScanHandler, source: string, chunkSize = 1 << 22): Promise<void> {
  const scanner = new JsonScanner(handler, source);
  if (isGzipped(path)) {
    try {
      for await (const chunk of openBytes(path)) scanner.write(chunk);
    } catch (e) {
      if (e instanceof ProfileFormatError) throw e;
      throw new ProfileFormatError(`${source} could not be decompressed (${(e as Error).message}): is it really a gzip file?`);
    }
    scanner.end();
    return;
  }
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkSize);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, chunkSize, null);
      if (bytesRead === 0) break;
      scanner.write(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  scanner.end();
}

/** Scans a document held in memory (tests, small files). */
export function scanJsonText(text: string | Buffer, handler: ScanHandler, source: string): void {
  const scanner = new JsonScanner(handler, source);
  scanner.write(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  scanner.end();
}

/** A streaming reader: the handler the scanner feeds, and what it builds once the document has ended. */
export interface DocumentReader<T> {
  handler: ScanHandler;
  result: () => T;
}

/** Runs a reader over a document held in memory. */
export function readText<T>(reader: DocumentReader<T>, text: string | Buffer, source: string): T {
  scanJsonText(text, reader.handler, source);
  return reader.result();
}

/** Runs a reader over a file, chunk by chunk. */
export async function readFileStreaming<T>(reader: DocumentReader<T>, path: string, source: string, chunkSize?: number): Promise<T> {
  await scanJsonFile(path, reader.handler, source, chunkSize);
  return reader.result();
}
