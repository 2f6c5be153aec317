// Methods of small classes (compiler/method-py.ts): self's attributes as hidden arguments. What else a method does with
// self is refused with the construct and its line; the compiled wrapper runs the original for an instance whose
// attributes are not plain storage or not of the compiled types, and otherwise writes the number attributes back and
// the list attributes into the very lists — each outcome compared with the original's on a copy of the instance.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compilePython } from '../../../extension/compiler/compile-python';
import { selectPythonKernel } from '../../../extension/compiler/frontend-py';
import { pythonEnv } from '../../python-env';

const ROOT = join(__dirname, '..', '..', '..');
const FILE = join(ROOT, 'test', 'fixtures', 'py-methods', 'bodies.py');
let python = '';
let tmp = '';

before(async () => {
  python = (await pythonEnv()).python;
  tmp = await mkdtemp(join(tmpdir(), 'perf-lab-methods-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const REFUSED = { x: 'list[float]', scale: 'float', flag: 'bool' };

function select(functionName: string, attrs: Record<string, string>, params: string[] = ['__main__.X']) {
  return selectPythonKernel({ python, file: FILE, fileName: 'bodies.py', functionName, params, attrs });
}

describe('methods: refused with the construct and line', () => {
  const cases: [string, number, string, RegExp][] = [
    ['Refused.calls_method', 48, 'self.helper(…)', /calls a method of Refused \(line 44\)/],
    ['Refused.reads_property', 51, 'self.total', /a property of Refused/],
    ['Refused.adds_attribute', 54, 'self.extra', /adds an attribute self did not hold/],
    ['Refused.passes_self', 57, 'self', /used as a value/],
    ['Refused.rebinds_list', 60, 'self.x', /assigned in Refused\.rebinds_list/],
    ['Refused.sets_bool', 63, 'self.flag', /holds a bool/],
    ['Guarded.twice', 70, 'Guarded.__setattr__', /defines __setattr__/],
  ];
  for (const [fn, line, construct, reason] of cases) {
    it(fn, async () => {
      const r = await select(fn, fn.startsWith('Guarded') ? { scale: 'float' } : REFUSED);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.refusal.construct, construct);
      assert.equal(r.refusal.line, line);
      assert.match(r.refusal.reason, reason);
    });
  }
});

describe('methods: the compiled wrapper on plain and hostile instances', () => {
  it('compiles Cloud.step and Vector.norm, runs them where the attributes are plain, the original elsewhere', { timeout: 600_000 }, async () => {
    const step = await select('Cloud.step', { x: 'list[float]', v: 'list[float]', dt: 'float', time: 'float', steps: 'int' }, ['__main__.Cloud', 'float']);
    if (!step.ok) assert.fail(JSON.stringify(step.refusal));
    const norm = await select('Vector.norm', { x: 'float', y: 'float', z: 'float' });
    if (!norm.ok) assert.fail(JSON.stringify(norm.refusal));
    const a = await compilePython(step.kernel, 'numba', { python, cacheDir: join(tmp, 'py') });
    const b = await compilePython(norm.kernel, 'numba', { python, cacheDir: join(tmp, 'py') });
    // Each case: an instance made by `make`, the method called on it and on a deep copy through the original; the
    // result, the instance's attributes after the call and whether the compiled code ran.
    const probe = `
import copy, importlib, sys, types
sys.path[:0] = [${JSON.stringify(a.dir)}, ${JSON.stringify(b.dir)}, ${JSON.stringify(join(ROOT, 'python'))}]
import perf_lab_kernel as k
mod = k.load_definitions(${JSON.stringify(FILE)})
Cloud, Vector = mod.Cloud, mod.Vector
wa = importlib.import_module(${JSON.stringify(a.moduleName)})
wb = importlib.import_module(${JSON.stringify(b.moduleName)})

class WithProperty(Cloud):
    @property
    def dt(self):
        return 0.02
    @dt.setter
    def dt(self, v):
        pass

class Logged(Cloud):
    def __setattr__(self, n, v):
        object.__setattr__(self, n, v)

class ClassDefault(Cloud):
    time = 1.0

def cloud(**changes):
    c = Cloud(4)
    for n, v in changes.items():
        object.__setattr__(c, n, v)
    return c

def without(n):
    c = Cloud(4)
    delattr(c, n)
    return c

def shared():
    c = Cloud(4)
    c.v = c.x
    return c

def default_only():
    c = ClassDefault(4)
    del c.time
    return c

cases = [
    ("plain", wa, Cloud.__dict__["step"], lambda: Cloud(5), (0.5,), True),
    ("steps at 2**63 - 1: += 1 leaves int64, the kernel bails out", wa, Cloud.__dict__["step"], lambda: cloud(steps=2 ** 63 - 1), (0.5,), False),
    ("a big int count", wa, Cloud.__dict__["step"], lambda: cloud(steps=2 ** 62), (0.5,), True),
    ("steps past int64", wa, Cloud.__dict__["step"], lambda: cloud(steps=2 ** 64), (0.5,), False),
    ("an int time", wa, Cloud.__dict__["step"], lambda: cloud(time=1), (0.5,), False),
    ("a property dt", wa, Cloud.__dict__["step"], lambda: WithProperty(3), (0.5,), False),
    ("a __setattr__", wa, Cloud.__dict__["step"], lambda: Logged(3), (0.5,), False),
    ("time missing", wa, Cloud.__dict__["step"], lambda: without("time"), (0.5,), False),
    ("time a class default", wa, Cloud.__dict__["step"], default_only, (0.5,), False),
    ("x and v one list", wa, Cloud.__dict__["step"], shared, (0.5,), False),
    ("a subclass, plain", wa, Cloud.__dict__["step"], lambda: ClassDefault(3), (0.5,), True),
    ("slots", wb, Vector.__dict__["norm"], lambda: Vector(1.0, 2.0, 2.0), (), True),
    ("a slot unset", wb, Vector.__dict__["norm"], lambda: Vector.__new__(Vector), (), False),
    ("an int slot", wb, Vector.__dict__["norm"], lambda: Vector(1, 2.0, 2.0), (), False),
]
entry_a, entry_b = getattr(wa, ${JSON.stringify(a.entry)}), getattr(wb, ${JSON.stringify(b.entry)})
for label, w, original, make, args, compiled in cases:
    entry = entry_a if w is wa else entry_b
    o1 = make()
    o2 = copy.deepcopy(o1)
    before = dict(w._stats)
    def outcome(f, o):
        try:
            return ("value", f(o, *args))
        except Exception as e:
            return ("threw", type(e).__name__)
    expected = outcome(original, o1)
    actual = outcome(lambda o, *a: entry(original, o, *a), o2)
    ran = w._stats["fallbacks"] == before["fallbacks"]
    same = k.first_difference(expected, actual) is None and k.first_difference(o1, o2) is None and type(o1) is type(o2)
    print(label, "same" if same else "DIFFERENT %r %r" % (expected, actual), "compiled" if ran else "original", "expected-compiled" if compiled else "expected-original")
`;
    const out = await new Promise<string>((done, fail) =>
      execFile(python, ['-c', probe], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => (err ? fail(new Error(String(stderr))) : done(String(stdout)))),
    );
    for (const line of out.trim().split('\n')) {
      assert.match(line, / same /, line);
      assert.ok(line.endsWith('compiled expected-compiled') || line.endsWith('original expected-original'), line);
    }
    assert.equal(out.trim().split(`\n`).length, 14);
  });
});
