// A program that never ends: a busy loop that never yields to the event loop.
// Profile it with a timeout (or press Cancel) to see Perf Lab stop it and keep the samples recorded so far.
'use strict';

function spin() {
  let x = 0;
  for (;;) x = (x + Math.sqrt(x + 1)) % 1e9;
}

spin();
