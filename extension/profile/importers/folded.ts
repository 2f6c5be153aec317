// Folded stacks (`a;b;c 12`), as written by stackcollapse scripts, py-spy --format raw and many others.
import { readLinesOfFile, readLinesOfText } from '../line-read';
import { ProfileBuilder, ProfileFormatError, RUNTIME_NAMES, stackPath, type Frame, type Profile } from '../model';

const LINE = /^(.*\S)\s+(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)$/;
const COUNT_ONLY = /^\d+(?:\.\d+)?$/;
// py-spy and Perf Lab write `name (file:line)`.
const LOCATED = /^(.*) \((.+):(\d+)\)$/;

// V8's pseudo-frames, and Node's own modules, are the runtime rather than the program.
function kindOf(name: string, file: string): Frame['kind'] {
  if (file.endsWith('.py')) return 'python';
  if (file.startsWith('node:') || (!file && RUNTIME_NAMES.has(name))) return 'runtime';
  return 'js';
}

function parseFrame(text: string): Frame {
  const m = LOCATED.exec(text);
  if (m) {
    const file = m[2]!;
    return { name: m[1]!, file, line: Number(m[3]), column: 0, kind: kindOf(m[1]!, file) };
  }
  return { name: text, file: '', line: 0, column: 0, kind: kindOf(text, '') };
}

/** Reads folded stacks line by line, so a file of any size can be fed in pieces. */
export class FoldedReader {
  private readonly b = new ProfileBuilder('samples');
  private count = 0;
  private lineNo = 0;

  constructor(private readonly source: string) {}

  /** Adds one line of the file. */
  line(text: string): void {
    this.lineNo++;
    const raw = text.trim();
    if (!raw || raw.startsWith('#')) return;
    // A count alone is a sample with no frames (py-spy writes them for threads outside Python code).
    if (COUNT_ONLY.test(raw)) return;
    const m = LINE.exec(raw);
    if (!m)
      throw new ProfileFormatError(`${this.source}:${this.lineNo} is not a folded stack line: expected "frame;frame;frame COUNT", got "${raw.slice(0, 80)}".`);
    const weight = Number(m[2]);
    const frames = m[1]!
      .split(';')
      .filter((f) => f.length > 0)
      .map((f) => this.b.frame(parseFrame(f)));
    if (frames.length === 0) return;
    this.b.sample(this.b.path(frames), weight);
    this.count++;
  }

  /** The profile of the lines added; each line's count is one sample of that weight (unit: samples). */
  result(): Profile {
    if (this.count === 0) throw new ProfileFormatError(`${this.source} holds no folded stacks: expected lines like "main;work;hot 12".`);
    return this.b.build();
  }
}

/** Parses folded stacks; each line's count becomes one sample of that weight (unit: samples). */
export function parseFolded(text: string, source: string): Profile {
  return readLinesOfText(new FoldedReader(source), text);
}

/** Reads a folded-stacks file of any size, line by line. */
export function readFoldedFile(path: string, source: string): Promise<Profile> {
  return readLinesOfFile(new FoldedReader(source), path);
}

function frameText(f: Frame): string {
  return f.file ? `${f.name} (${f.file}:${f.line})` : f.name;
}

/** Writes one line per distinct stack, in first-seen order, with the summed weight. */
export function exportFolded(p: Profile): string {
  const sums = new Map<number, number>();
  for (let i = 0; i < p.sampleStack.length; i++) {
    const s = p.sampleStack[i]!;
    sums.set(s, (sums.get(s) ?? 0) + p.sampleWeight[i]!);
  }
  const out: string[] = [];
  for (const [s, w] of sums) {
    const text = stackPath(p, s)
      .map((f) => frameText(p.frames[f]!))
      .join(';');
    out.push(`${text} ${Number.isInteger(w) ? w : Number(w.toFixed(6))}`);
  }
  return out.join('\n') + '\n';
}
