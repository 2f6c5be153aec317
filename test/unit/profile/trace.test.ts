import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { functionStats, totalWeight } from '../../../extension/profile/aggregate';
import { parseChromeTrace, readChromeTraceFile } from '../../../extension/profile/importers/chrome-trace';
import { exportCpuProfile, importCpuProfile } from '../../../extension/profile/importers/cpuprofile';
import { exportSpeedscope, parseSpeedscope } from '../../../extension/profile/importers/speedscope';
import { ProfileFormatError, stackPath } from '../../../extension/profile/model';
import { stackWeights } from './helpers';

const dir = join(__dirname, '..', '..', 'fixtures', 'profiles');

describe('Chrome trace importer', () => {
  // Recorded with Playwright's browser.startTracing (category disabled-by-default-v8.cpu_profiler) in Debian's
  // Chromium, running src/work.js: fib() under work() under run() for 250 ms.
  const p = parseChromeTrace(readFileSync(join(dir, 'chromium.trace.json')), 'chromium.trace.json');

  it('reads the CPU profile of a real Chromium trace', () => {
    const top = functionStats(p)[0]!;
    assert.equal(top.name, 'fib');
    assert.ok(top.file.endsWith('work.js'));
    assert.equal(top.line, 1);
    assert.ok(top.self / totalWeight(p) > 0.5, `fib's share ${top.self / totalWeight(p)}`);
    const work = functionStats(p).find((f) => f.name === 'work')!;
    assert.ok(work.total >= top.self, 'fib runs under work');
    assert.equal(p.unit, 'ms');
    assert.ok(p.sampleTime && p.sampleTime.length === p.sampleStack.length);
    for (let i = 1; i < p.sampleTime.length; i++) assert.ok(p.sampleTime[i]! >= p.sampleTime[i - 1]!, 'samples in time order');
    assert.ok(p.durationMs! > 200 && p.durationMs! < 5000, `duration ${p.durationMs}`);
  });

  it('turns the per-sample lines of the chunks into line times inside the function', () => {
    const fibLines = p.lines.filter((l) => p.frames[l.frame]!.name === 'fib');
    assert.ok(fibLines.length >= 1);
    for (const l of fibLines) assert.ok(l.line >= 1 && l.line <= 3, `line ${l.line} inside fib`);
  });

  it('reads the bare array of events as the object form, and streams from the file', async () => {
    const q = parseChromeTrace(readFileSync(join(dir, 'chromium-events-array.json'), 'utf8'), 'chromium-events-array.json');
    assert.deepEqual(stackWeights(q), stackWeights(p));
    const r = await readChromeTraceFile(join(dir, 'chromium.trace.json'), 'chromium.trace.json');
    assert.deepEqual(stackWeights(r), stackWeights(p));
  });

  it('keeps the stacks through .cpuprofile and speedscope exports', () => {
    assert.deepEqual(stackWeights(importCpuProfile(exportCpuProfile(p))), stackWeights(p));
    assert.deepEqual(stackWeights(parseSpeedscope(JSON.stringify(exportSpeedscope(p)), 'x.speedscope.json')), stackWeights(p));
  });

  it('puts each thread of a multi-thread trace under a root frame named after it', () => {
    const node = (id: number, name: string, parent?: number) => ({
      id,
      callFrame: { functionName: name, scriptId: 1, url: name === '(root)' ? '' : 'file:///w.js', lineNumber: id, columnNumber: 0 },
      ...(parent ? { parent } : {}),
    });
    const events = [
      { ph: 'M', name: 'thread_name', pid: 1, tid: 10, args: { name: 'CrRendererMain' } },
      { ph: 'M', name: 'thread_name', pid: 1, tid: 11, args: { name: 'DedicatedWorker thread' } },
      { ph: 'P', name: 'Profile', id: '0x1', pid: 1, tid: 10, ts: 1000, args: { data: { startTime: 1000 } } },
      { ph: 'P', name: 'Profile', id: '0x2', pid: 1, tid: 11, ts: 2000, args: { data: { startTime: 2000 } } },
      {
        ph: 'P',
        name: 'ProfileChunk',
        id: '0x1',
        pid: 1,
        tid: 10,
        args: { data: { cpuProfile: { nodes: [node(1, '(root)'), node(2, 'main', 1)], samples: [2, 2] }, timeDeltas: [100, 1000] } },
      },
      {
        ph: 'P',
        name: 'ProfileChunk',
        id: '0x2',
        pid: 1,
        tid: 11,
        args: { data: { cpuProfile: { nodes: [node(1, '(root)'), node(2, 'work', 1)], samples: [2] }, timeDeltas: [500] } },
      },
      {
        ph: 'P',
        name: 'ProfileChunk',
        id: '0x2',
        pid: 1,
        tid: 11,
        args: { data: { cpuProfile: { nodes: [node(3, 'inner', 2)], samples: [3, 3] }, timeDeltas: [2000, 2000] } },
      },
    ];
    const q = parseChromeTrace(JSON.stringify({ traceEvents: events }), 'threads.json');
    const paths = new Set(
      [...q.sampleStack].map((s) =>
        stackPath(q, s)
          .map((f) => q.frames[f]!.name)
          .join(';'),
      ),
    );
    assert.deepEqual([...paths].sort(), ['CrRendererMain (pid 1);main', 'DedicatedWorker thread (pid 1);work', 'DedicatedWorker thread (pid 1);work;inner']);
    // Worker: samples at 2.5, 4.5, 6.5 ms from its start; each stands for the time to the next, the last for the mean gap.
    const w = stackWeights(q);
    assert.equal(w.get('DedicatedWorker thread (pid 1)@:0;work@/w.js:3'), 2);
    assert.equal(w.get('DedicatedWorker thread (pid 1)@:0;work@/w.js:3;inner@/w.js:4'), 4);
    assert.equal(w.get('CrRendererMain (pid 1)@:0;main@/w.js:3'), 2);
  });

  it('says what is wrong with a trace that has no CPU profile', () => {
    const refuses = (text: string, pattern: RegExp) =>
      assert.throws(
        () => parseChromeTrace(text, 'bad.json'),
        (e: unknown) => e instanceof ProfileFormatError && pattern.test(e.message) && e.message.includes('bad.json'),
      );
    refuses('[{"ph": "i", "name": "mark", "ts": 1, "pid": 1, "tid": 1}]', /none of its 1 events is a CPU profile sample or a timed span/);
    refuses('[{"ph": "X", "name": "task", "pid": 1, "tid": 1}]', /none of its 1 events is a CPU profile sample or a timed span/);
    refuses('{"traceEvents": []}', /holds no events/);
    refuses('{"traceEvents": 3}', /"traceEvents" is not an array/);
    refuses('{"nodes": []}', /it is a V8 CPU profile/);
  });
});

describe('Chrome trace spans (Ray timeline)', () => {
  // ray.timeline() after src/ray_tasks.py on a local Ray 2.60 (two CPUs): eight `squares` tasks and one `combine`.
  const text = readFileSync(join(dir, 'ray-timeline.json'), 'utf8');
  const events = JSON.parse(text) as { name: string; cat: string; tid: string; ts: number; dur: number; ph: string }[];
  const p = parseChromeTrace(text, 'ray-timeline.json');
  const names = (s: number) => stackPath(p, s).map((f) => p.frames[f]!.name);

  it('puts each Ray worker and the driver under a root, with the task functions as Python frames', () => {
    const roots = new Set([...p.sampleStack].map((s) => names(s)[0]!));
    const threads = new Set(events.map((e) => e.tid));
    assert.equal(roots.size, threads.size);
    for (const r of roots) assert.match(r, /^(worker|driver):[0-9a-f]{9}… \(192\.0\.2\.2\)$/);
    const squares = functionStats(p).find((f) => f.name === '__main__.squares')!;
    assert.equal(squares.kind, 'python');
    assert.equal(functionStats(p).find((f) => f.name === 'task:deserialize_arguments')!.kind, 'runtime');
    // Ray's "task:execute" is the task's function running: its time is the task's own, not a frame of its own.
    assert.equal(
      functionStats(p).find((f) => f.name === 'task:execute'),
      undefined,
    );
    for (const s of p.sampleStack) assert.ok(!names(s).slice(0, -1).includes('task:execute'));
  });

  it('counts every traced microsecond once: a task total is the time of its spans, the whole is the busy time', () => {
    const ms = (us: number) => us / 1000;
    const spanTime = (name: string) => ms(events.filter((e) => e.name === name).reduce((t, e) => t + e.dur, 0));
    const squares = functionStats(p).find((f) => f.name === '__main__.squares')!;
    assert.ok(Math.abs(squares.total - spanTime('__main__.squares')) < 1e-6, `${squares.total} vs ${spanTime('__main__.squares')}`);
    // Its self time is the span's time less the argument and result handling nested inside it.
    const inside = events.filter((e) => e.name === 'task:deserialize_arguments' || e.name === 'task:store_outputs');
    const squaresTasks = events.filter((e) => e.name === '__main__.squares');
    const nested = inside.filter((e) => squaresTasks.some((t) => t.tid === e.tid && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur));
    assert.ok(Math.abs(squares.self - (squares.total - ms(nested.reduce((t, e) => t + e.dur, 0)))) < 1e-6);
    // The whole: on each thread, the time covered by spans (outermost spans, which do not overlap here).
    let busy = 0;
    for (const tid of new Set(events.map((e) => e.tid))) {
      const mine = events.filter((e) => e.tid === tid && e.ph === 'X');
      busy += mine.filter((e) => !mine.some((o) => o !== e && o.ts <= e.ts && o.ts + o.dur >= e.ts + e.dur)).reduce((t, e) => t + e.dur, 0);
    }
    assert.ok(Math.abs(totalWeight(p) - ms(busy)) < 1e-6, `${totalWeight(p)} vs ${ms(busy)}`);
    assert.ok(p.durationMs! > 0 && p.durationMs! >= Math.max(...[...p.sampleTime!]));
  });

  it('reads begin/end pairs and cuts a span that outlives its parent, so no time counts twice', () => {
    const q = parseChromeTrace(
      JSON.stringify([
        { ph: 'M', name: 'thread_name', pid: 7, tid: 1, args: { name: 'main' } },
        { ph: 'B', name: 'outer', pid: 7, tid: 1, ts: 0 },
        { ph: 'X', name: 'inner', pid: 7, tid: 1, ts: 1000, dur: 2000 },
        { ph: 'X', name: 'late', pid: 7, tid: 1, ts: 9000, dur: 5000 },
        { ph: 'E', pid: 7, tid: 1, ts: 10000 },
      ]),
      'spans.json',
    );
    const w = stackWeights(q);
    assert.deepEqual(
      [...w.entries()].sort(),
      [
        ['main (pid 7)@:0;outer@:0', 7],
        ['main (pid 7)@:0;outer@:0;inner@:0', 2],
        ['main (pid 7)@:0;outer@:0;late@:0', 1],
      ].sort(),
    );
    assert.equal(totalWeight(q), 10);
    assert.deepEqual(
      [...q.sampleTime!],
      [...q.sampleTime!].sort((a, b) => a - b),
    );
  });
});
