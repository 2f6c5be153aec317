// `perf script` output (Linux perf's samples with their call chains, the text stackcollapse-perf reads) to the model,
// without collapsing first: each sample keeps its time, so the flame chart shows it in order.
import { basename } from 'node:path';
import { readLinesOfFile, readLinesOfText } from '../line-read';
import { ProfileBuilder, ProfileFormatError, type Frame, type Profile } from '../model';

// `comm pid[/tid] [cpu] seconds.micros: [period] event:` — comm may hold spaces.
const HEADER = /^(\S.*?)\s+(\d+)(?:\/\d+)?\s+(?:\[\d+\]\s+)?(\d+\.\d+):\s+(?:(\d+)\s+)?([^\s:]+(?::[a-z]+)?):/;
// `address symbol+offset (dso)`, leaf first.
const FRAME = /^\s+([0-9a-fA-F]+)\s+(.*?)\s+\((.*)\)\s*$/;
// Node's --perf-basic-prof names JavaScript functions `JS:*name file:line` (`LazyCompile:` in older V8).
const JS_SYMBOL = /^(?:JS|LazyCompile|Function|InterpretedFunction):[*~^]?(\S*) (.+):(\d+)(?::\d+)?$/;
/** Events whose period is nanoseconds of CPU time, so weights can be milliseconds. */
const CLOCK_EVENTS = /^(cpu-clock|task-clock)/;

/** Whether text starts like `perf script` output: a sample header, then a frame or a blank line. */
export function looksLikePerfScript(head: string): boolean {
  const lines = head.split('\n').filter((l) => !l.startsWith('#'));
  const first = lines.findIndex((l) => l.trim() !== '');
  return first >= 0 && HEADER.test(lines[first]!) && (lines[first + 1] === undefined || lines[first + 1]!.trim() === '' || FRAME.test(lines[first + 1]!));
}

function frameOf(symbol: string, dso: string): Frame {
  const js = JS_SYMBOL.exec(symbol);
  if (js) return { name: js[1] || '(anonymous)', file: js[2]!, line: Number(js[3]), column: 0, kind: 'js' };
  const name = symbol.replace(/\+0x[0-9a-fA-F]+$/, '');
  if (!name || name === '[unknown]')
    return { name: `[${basename(dso) || 'unknown'}]`, file: dso === '[unknown]' ? '' : dso, line: 0, column: 0, kind: 'native' };
  return { name, file: dso === '[unknown]' ? '' : dso, line: 0, column: 0, kind: dso.startsWith('[kernel') ? 'runtime' : 'native' };
}

/** Reads `perf script` output line by line; each sample is one stack under its command's name. */
export class PerfScriptReader {
  private readonly bMs = new ProfileBuilder('ms');
  private readonly bSamples = new ProfileBuilder('samples');
  private b: ProfileBuilder | undefined;
  private lineNo = 0;
  private count = 0;
  private firstTime: number | undefined;
  private lastTime = 0;
  private current: { comm: string; time: number; weight: number; frames: Frame[] } | undefined;

  constructor(private readonly source: string) {}

  private flush(): void {
    const s = this.current;
    this.current = undefined;
    if (!s || !this.b) return;
    const ids = [this.b.frame({ name: s.comm, file: '', line: 0, column: 0, kind: 'runtime' })];
    for (let i = s.frames.length - 1; i >= 0; i--) ids.push(this.b.frame(s.frames[i]!));
    this.b.sample(this.b.path(ids), s.weight, this.b === this.bMs ? (s.time - this.firstTime!) * 1000 : undefined);
    this.count++;
  }

  /** Adds one line of the output. */
  line(text: string): void {
    this.lineNo++;
    if (text.startsWith('#')) return;
    if (text.trim() === '') return this.flush();
    const h = HEADER.exec(text);
    if (h && !/^\s/.test(text)) {
      this.flush();
      const time = Number(h[3]);
      const clock = CLOCK_EVENTS.test(h[5]!) && h[4] !== undefined;
      // The first sample decides the unit: CPU-clock periods become milliseconds, anything else counts samples.
      this.b ??= clock ? this.bMs : this.bSamples;
      this.firstTime ??= time;
      this.lastTime = time;
      this.current = { comm: h[1]!.trim(), time, weight: this.b === this.bMs ? (clock ? Number(h[4]) / 1e6 : 0) : 1, frames: [] };
      return;
    }
    const f = FRAME.exec(text);
    if (f && this.current) {
      this.current.frames.push(frameOf(f[2]!, f[3]!));
      return;
    }
    throw new ProfileFormatError(
      `${this.source}:${this.lineNo} is not \`perf script\` output: expected a sample header ("comm pid time: period event:") or a frame ("address symbol (dso)"), got "${text.trim().slice(0, 80)}".`,
    );
  }

  /** The profile of the lines added. */
  result(): Profile {
    this.flush();
    if (this.count === 0 || !this.b)
      throw new ProfileFormatError(`${this.source} holds no samples: record with \`perf record -g\` and write them with \`perf script\`.`);
    const durationMs = (this.lastTime - this.firstTime!) * 1000;
    return this.b.build(this.b === this.bMs && durationMs > 0 ? durationMs : undefined);
  }
}

/** Parses `perf script` output held in memory. */
export function parsePerfScript(text: string, source: string): Profile {
  return readLinesOfText(new PerfScriptReader(source), text);
}

/** Reads a `perf script` output file of any size, line by line. */
export function readPerfScriptFile(path: string, source: string): Promise<Profile> {
  return readLinesOfFile(new PerfScriptReader(source), path);
}
