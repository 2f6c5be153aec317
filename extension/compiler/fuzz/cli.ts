// `npm run fuzz -- --cases N [--seed S]`: a long differential fuzzing run; exits non-zero on a mismatch.
import { fuzz } from './run-fuzz';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const cases = arg('cases', 100000);
  const seed = arg('seed', Date.now() % 1000000);
  console.log(`fuzzing ${cases} cases, seed ${seed}`);
  const report = await fuzz({
    seed,
    cases,
    onProgress: (r) => process.stdout.write(`\r${r.cases} cases, ${r.programs} programs (${r.refused} refused), ${r.compiledCalls} ran WebAssembly, ${r.failures.length} mismatches, ${(r.ms / 1000).toFixed(1)} s`),
  });
  process.stdout.write('\n');
  for (const f of report.failures.slice(0, 5)) {
    console.log(`\nmismatch in ${f.fn} (${f.mismatch.what}): args ${f.mismatch.args}\n  JavaScript:  ${f.mismatch.expected}\n  WebAssembly: ${f.mismatch.actual}`);
    const start = f.source.indexOf(`export function ${f.fn}(`);
    console.log(f.source.slice(0, f.source.indexOf('\n}\n') + 3) + f.source.slice(start, f.source.indexOf('\n}\n', start) + 3));
  }
  process.exit(report.failures.length ? 1 : 0);
}

void main();
