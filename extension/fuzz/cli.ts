// `npm run fuzz -- --cases N [--seed S] [--target wasm|native] [--hostile]`: a long differential fuzzing run;
// exits non-zero on a mismatch. --hostile adds disguised arguments, replaced Math functions and modules that
// shadow or reassign what their functions read (hostile.ts).
import { fuzz, fuzzNative } from './run-fuzz';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const cases = arg('cases', 100000);
  const seed = arg('seed', Date.now() % 1000000);
  const t = process.argv.indexOf('--target');
  const target = t > 0 ? process.argv[t + 1] : 'wasm';
  if (target !== 'wasm' && target !== 'native') {
    console.error(`--target takes wasm or native, not ${target}`);
    process.exit(2);
  }
  const hostile = process.argv.includes('--hostile');
  const ran = target === 'wasm' ? 'WebAssembly' : 'native code';
  console.log(`fuzzing ${cases} cases against ${ran}${hostile ? ', hostile dimension on' : ''}, seed ${seed}`);
  const report = await (target === 'wasm' ? fuzz : fuzzNative)({
    seed,
    cases,
    hostile,
    onProgress: (r) =>
      process.stdout.write(
        `\r${r.cases} cases, ${r.programs} programs (${r.refused} refused), ${r.compiledCalls} ran ${ran}, ${r.failures.length} mismatches, ${(r.ms / 1000).toFixed(1)} s`,
      ),
  });
  process.stdout.write('\n');
  for (const f of report.failures.slice(0, 5)) {
    console.log(
      `\nmismatch in ${f.fn} (${f.mismatch.what}): args ${f.mismatch.args}\n  JavaScript:  ${f.mismatch.expected}\n  compiled:    ${f.mismatch.actual}`,
    );
    const start = f.source.search(new RegExp(`^\\s*(?:export function |static )?${f.fn.split('.').pop()!}\\(`, 'm'));
    console.log(f.source.slice(0, f.source.indexOf('\n}\n') + 3) + f.source.slice(start, f.source.indexOf('\n}\n', start) + 3));
  }
  process.exit(report.failures.length ? 1 : 0);
}

void main();
