// What the runner and the profiler preload agree on: environment variables and the stop hook; and the control
// messages every runner and preload exchange over the control pipe (the recorder's too).

/** Path the preload writes the .cpuprofile JSON to. */
export const OUT_ENV = 'PERF_LAB_PROFILE_OUT';
/** Sampling interval in microseconds. */
export const INTERVAL_ENV = 'PERF_LAB_SAMPLING_INTERVAL';
/** The child's file descriptor of the control pipe (the runner passes it as stdio[3]). */
export const CONTROL_FD_ENV = 'PERF_LAB_CONTROL_FD';
/** The program's own path, shown as process.argv[1] when Perf Lab runs a bundle built from it. */
export const ARGV1_ENV = 'PERF_LAB_ARGV1';
/** The registry key of the global function that stops the profiler and writes the profile. */
export const STOP_KEY = 'perf-lab.stop';
/** Runner to preload: stop profiling and write the profile now. */
export const STOP_MESSAGE = 'stop';
/** Preload to runner: the profile is written. */
export const DONE_MESSAGE = 'done';
/** Preload to runner: stopping failed; nothing was written. */
export const FAILED_MESSAGE = 'failed';
