// What the record stage and the recorder preload agree on: environment variables and the stop hook.

/** Absolute path of the file whose function is recorded (the CommonJS and ES module hooks replace its source). */
export const TARGET_ENV = 'PERF_LAB_RECORD_TARGET';
/** Path of the instrumented source of that file; unset when the bundle already holds it (TypeScript). */
export const SOURCE_ENV = 'PERF_LAB_RECORD_SOURCE';
/** Path the preload writes the recorded calls to (JSON). */
export const OUT_ENV = 'PERF_LAB_RECORD_OUT';
/** The limits, as JSON ({@link RecordLimits}). */
export const LIMITS_ENV = 'PERF_LAB_RECORD_LIMITS';
/** The child's file descriptor of the control pipe. */
export const CONTROL_FD_ENV = 'PERF_LAB_RECORD_CONTROL_FD';
/** The program's own path, shown as process.argv[1] when Perf Lab runs a bundle built from it. */
export const ARGV1_ENV = 'PERF_LAB_RECORD_ARGV1';
/** The registry key of the global function that writes the recording now. */
export const STOP_KEY = 'perf-lab.record.stop';
