// Loaded with `node --require` into the profiled program: starts V8's CPU profiler before the program's first line,
// and writes the profile when the program ends or when the runner asks for it over the control pipe.
// It must stay small and side-effect free for the program: no globals but one hidden symbol, no output.
import * as inspector from 'node:inspector';
import { ARGV1_ENV, CONTROL_FD_ENV, INTERVAL_ENV, OUT_ENV, STOP_KEY } from './control';
import { answerStop, takeRunnerSettings, writeOnStop } from './runner-link';

function main(): void {
  const settings = takeRunnerSettings({ out: OUT_ENV, controlFd: CONTROL_FD_ENV, argv1: ARGV1_ENV }, [INTERVAL_ENV]);
  if (!settings) return;
  const interval = Number(settings.values[INTERVAL_ENV]) || 100;

  const session = new inspector.Session();
  session.connect();
  // An in-thread session answers synchronously, so the profile is there when post() returns.
  const stop = writeOnStop(settings.out, () => {
    let profile: unknown;
    session.post('Profiler.stop', (err, res) => {
      if (!err) profile = res.profile;
    });
    if (profile) session.disconnect();
    return profile;
  });
  answerStop(STOP_KEY, stop, settings.fd);

  // Started last, so that the setup above stays out of the profile.
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval });
  session.post('Profiler.start');
}

main();
