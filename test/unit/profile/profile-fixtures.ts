// The profile fixtures under test/fixtures/profiles/, shared by the importer and report tests.
import type { ProfileFormat } from '../../../extension/profile/import';

/** Every fixture made by a real tool (or by hand from a format's specification), with its format. */
export const PROFILE_FIXTURES: { file: string; format: ProfileFormat; top: string }[] = [
  { file: 'node-cpu-prof.cpuprofile', format: 'cpuprofile', top: 'fib' },
  { file: 'chromium.trace.json', format: 'chrome-trace', top: 'fib' },
  { file: 'chromium-events-array.json', format: 'chrome-trace', top: 'fib' },
  { file: 'py-spy.speedscope.json', format: 'speedscope', top: 'fib' },
  { file: 'evented.speedscope.json', format: 'speedscope', top: 'render' },
  { file: 'py-spy-raw.txt', format: 'folded', top: 'fib' },
  { file: 'perf-script.collapsed', format: 'folded', top: 'fib' },
  { file: 'perf.script', format: 'perf-script', top: 'fib' },
  { file: 'cprofile.prof', format: 'pstats', top: 'fib' },
];
