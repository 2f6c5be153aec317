// Functions by the names the profile shows, and what a nested function reads from the functions around it: found
// by name, each compiled with its closure, and refused with the variable and line where compiled code could not
// follow the program.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lowerJs, loadTypeScript } from '../../../extension/compiler/frontend-js';
import { findJsFunction, jsFunctions } from '../../../extension/compiler/js-functions';
import { functionAt } from '../../../extension/lab/optimize-data';

const SOURCE = `function NBody() {}
NBody.prototype.advance = function (s, n) { return s[0] * n; };
class Grid {
  step(a) { return a[0]; }
  static make(n) { return n + 1; }
}
const Kernels = { smooth(a) { return a[0]; }, scale: function (x) { return x * 2; } };
function FluidField(size) {
  var rowSize = size + 2;
  function lin_solve(x) { return x * rowSize; }
  this.cells = function () { return rowSize * rowSize; };
}
function top(x) { return x; }
`;

async function parse(source: string) {
  const ts = await loadTypeScript();
  return { ts, sf: ts.createSourceFile('k.js', source, ts.ScriptTarget.Latest, true) };
}

describe('functions by the names the profile shows', () => {
  it('names methods Class.method and nested functions outer/inner, with the forms code writes', async () => {
    const { ts, sf } = await parse(SOURCE);
    const names = jsFunctions(ts, sf).map((f) => f.names.join(' | '));
    assert.deepEqual(names, [
      'NBody',
      'NBody.advance | NBody.prototype.advance',
      'Grid.step | Grid.prototype.step',
      'Grid.make',
      'smooth | Kernels.smooth',
      'scale | Kernels.scale',
      'FluidField',
      'FluidField/lin_solve',
      'FluidField.cells',
      'top',
    ]);
  });

  it('finds a function by any of its names, or by its last part when only one function has it', async () => {
    const { ts, sf } = await parse(SOURCE);
    for (const [asked, found] of [
      ['NBody.prototype.advance', 'NBody.advance'],
      ['NBody.advance', 'NBody.advance'],
      ['Grid.prototype.step', 'Grid.step'],
      ['Kernels.smooth', 'smooth'],
      ['lin_solve', 'FluidField/lin_solve'],
      ['top', 'top'],
    ]) {
      const r = findJsFunction(ts, sf, asked!);
      assert.ok(r.ok, `${asked}: ${!r.ok && r.reason}`);
      assert.equal(r.fn.name, found);
    }
    const missing = findJsFunction(ts, sf, 'advance2');
    assert.ok(!missing.ok);
    assert.match(missing.reason, /^k\.js has no function named advance2; its functions go by NBody, NBody\.advance \(or NBody\.prototype\.advance\), /);
  });

  it("finds the innermost named function around the cursor, by the profile's name", async () => {
    const ts = await loadTypeScript();
    assert.deepEqual(functionAt(ts, SOURCE, 'k.js', SOURCE.indexOf('x * rowSize')), { name: 'FluidField/lin_solve', line: 10 });
    assert.deepEqual(functionAt(ts, SOURCE, 'k.js', SOURCE.indexOf('s[0] * n')), { name: 'NBody.advance', line: 2 });
    assert.deepEqual(functionAt(ts, SOURCE, 'k.js', SOURCE.indexOf('n + 1')), { name: 'Grid.make', line: 5 });
  });
});

describe('closures and recursion in the frontend', () => {
  const lower = async (source: string, name: string, params: string[]) => lowerJs(await loadTypeScript(), source, 'k.js', name, { params: params as never });

  it("compiles a closure with the enclosing variables it reads as hidden parameters, and the enclosing functions' functions it calls", async () => {
    const r = await lower(
      'function F(n) {\n  var w = n + 2;\n  function edge(x) { return x[0] * w; }\n  function solve(x, k) { var s = 0; for (var i = 0; i < k; i++) s += x[i] * w; return s + edge(x) + n; }\n  return solve;\n}\n',
      'F/solve',
      ['Float64Array', 'number', 'number', 'number'],
    );
    assert.ok(r.ok, r.ok ? '' : r.refusal.reason);
    assert.deepEqual(r.kernel.captures, ['w', 'n']);
    assert.deepEqual(
      r.kernel.ir.functions.map((f) => `${f.name}(${f.params.map((p) => p.name).join(', ')})`),
      ['F/solve(x, k, w, n)', 'F/edge(x, w, n)'],
    );
    assert.deepEqual(r.kernel.callees, []);
  });

  it('refuses a closure that writes a variable of its enclosing function, naming it and its line', async () => {
    const r = await lower('function F(n) {\n  var total = 0;\n  function add(x) {\n    total += x;\n    return total;\n  }\n  return add;\n}\n', 'F/add', [
      'number',
      'number',
    ]);
    assert.ok(!r.ok);
    assert.equal(r.refusal.line, 4);
    assert.match(r.refusal.reason, /^total is a variable of the enclosing function F \(line 2\); a nested function that assigns/);
  });

  it('refuses a let that a hoisted function declaration reads, and a method that reads this.x', async () => {
    const late = await lower('function F(n) {\n  const k = n * 2;\n  function g(x) { return x * k; }\n  return g;\n}\n', 'F/g', ['number', 'number']);
    assert.ok(!late.ok);
    assert.match(
      late.refusal.reason,
      /reads k, declared with let or const \(line 2\), which may not be initialised yet when it is called \(a function declaration is hoisted\)/,
    );
    const self = await lower('class P {\n  norm(a) {\n    return a * this.scale;\n  }\n}\n', 'P.norm', ['number', 'P{scale}']);
    assert.ok(self.ok, 'this.scale of an object of numbers is a field of a hidden argument');
    const call = await lower('class P {\n  norm(a) {\n    return a * this.size();\n  }\n}\n', 'P.norm', ['number', 'P{scale}']);
    assert.ok(!call.ok);
    assert.match(call.refusal.reason, /this\.size calls a method of its object; calling methods of this is not compiled/);
    const added = await lower('class P {\n  norm(a) {\n    this.seen = a;\n    return a;\n  }\n}\n', 'P.norm', ['number', 'P{scale}']);
    assert.ok(!added.ok);
    assert.match(added.refusal.reason, /seen is not a field of this \(the recorded objects have scale\)/);
    const value = await lower('class P {\n  norm(a) {\n    return f(this);\n  }\n}\nfunction f(p) { return 1; }\n', 'P.norm', ['number', 'P{scale}']);
    assert.ok(!value.ok);
    assert.match(value.refusal.reason, /this used as a value/);
  });

  it('refuses a method over this that depends on how many arguments it was passed, with the line', async () => {
    // Its fallback runs the original with this and the arguments the caller passed; a body that counts them is not
    // compiled, so no rewrite could show it another count.
    for (const [head, body, params, reason] of [
      ['step(dt)', 'this.x += dt * arguments.length;', ['number', 'P{x}'], /property access is compiled only/],
      ['step(dt)', 'if (arguments.length < 1) dt = 0.5;', ['number', 'P{x}'], /property access is compiled only/],
      ['step(dt)', 'this.x += arguments[0];', ['number', 'P{x}'], /element access is compiled only on array parameters/],
      ['step(...dt)', 'this.x += dt.length;', ['number[]', 'P{x}'], /rest parameters are not compiled/],
      ['step(dt = 1)', 'this.x += dt;', ['number', 'P{x}'], /default parameter values are not compiled/],
    ] as const) {
      const r = await lower(`class P {\n  ${head} {\n    ${body}\n    return this.x;\n  }\n}\n`, 'P.step', [...params]);
      assert.ok(!r.ok, `${head} { ${body} } is refused`);
      assert.match(r.refusal.reason, reason);
      assert.equal(r.refusal.line, head === 'step(dt)' ? 3 : 2, JSON.stringify(r.refusal));
    }
  });

  it('marks direct and mutual recursion, and settles the result type of a recursive call', async () => {
    const r = await lower(
      'function even(n) { return n === 0 ? true : odd(n - 1); }\nfunction odd(n) { return n === 0 ? false : even(n - 1); }\nfunction f(n) { return even(n) ? fib(n) : 0; }\nfunction fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\n',
      'f',
      ['number'],
    );
    assert.ok(r.ok, r.ok ? '' : r.refusal.reason);
    const fns = Object.fromEntries(r.kernel.ir.functions.map((f) => [f.name, f]));
    assert.equal(fns.f!.recursive, undefined);
    assert.equal(fns.even!.result, 'bool');
    assert.equal(fns.even!.recursive, true);
    assert.equal(fns.odd!.recursive, true);
    assert.equal(fns.fib!.result, 'f64');
    assert.equal(fns.fib!.recursive, true);
  });

  it("calls a named function expression's own name as itself, not the top-level function of that name", async () => {
    const source = 'function g(n) { return 100; }\nfunction outer() {\n  const f = function g(n) { return n < 1 ? 0 : g(n - 1) + 1; };\n  return f;\n}\n';
    const r = await lower(source, 'outer/g', ['number']);
    assert.ok(r.ok, r.ok ? '' : r.refusal.reason);
    assert.deepEqual(
      r.kernel.ir.functions.map((f) => f.name),
      ['outer/g'],
    );
    assert.equal(r.kernel.ir.functions[0]!.recursive, true);
  });
});
