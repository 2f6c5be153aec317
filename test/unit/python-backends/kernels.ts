// The kernels the Python backends are tested on: the semantics fixtures (typed by annotations) and the examples
// (typed as a profile run would record them), each with the calls its differential test makes.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { emitPythonWrapper, type PythonKernel, type PythonTarget } from '../../../extension/compiler/compile-python';
import { selectPythonKernel } from '../../../extension/compiler/frontend-py';
import { walkPyIr } from '../../../extension/compiler/ir-py';

export const ROOT = resolve(__dirname, '..', '..', '..');
const FIXTURES = join(__dirname, 'fixtures');
const EXAMPLES = join(ROOT, 'examples', 'python');

export interface KernelCase {
  /** Name of the golden files: `<id>.pyx`, `<id>.cpp`. */
  id: string;
  file: string;
  fn: string;
  params?: string[];
  /** The module-level data the function reads, with the types a recording would show (PyFrontendOptions.globals). */
  globals?: Record<string, string>;
  /** For a method (`Class.method`): the attributes of self it names, with their recorded types (PyFrontendOptions.attrs). */
  attrs?: Record<string, string>;
  /**
   * Python expression giving the arguments of the fixture's `reset(…)`, evaluated for each call: the module-level data
   * both runs start from, compared after the call as the arguments are.
   */
  reset?: string;
  /** Python expression giving the argument tuples (see differential.py's generators). */
  calls: string;
}

export const KERNEL_CASES: KernelCase[] = [
  {
    id: 'int_ops',
    file: join(FIXTURES, 'semantics.py'),
    fn: 'int_ops',
    calls: '[(I(), I()) for _ in range(300)] + [(7, -2), (-7, 2), (-7, -2), (2**62, 4), (-(2**63), -1), (5, 0)]',
  },
  {
    id: 'float_ops',
    file: join(FIXTURES, 'semantics.py'),
    fn: 'float_ops',
    calls: '[(F(), F()) for _ in range(300)] + [(-0.0, 1.0), (1.0, math.inf), (-1.0, math.inf), (1.0, 0.1), (-4.0, 2.0), (1e308, 10.0)]',
  },
  {
    id: 'squares',
    file: join(FIXTURES, 'semantics.py'),
    fn: 'squares',
    // 44.48850541790881 ** 2 is not 44.48850541790881 * 44.48850541790881 in CPython; the random values find more.
    calls: '[(F(), F()) for _ in range(300)] + [(44.48850541790881, 0.0), (0.0, 44.48850541790881), (1e200, 0.0)]',
  },
  {
    id: 'int_pow',
    file: join(FIXTURES, 'semantics.py'),
    fn: 'int_pow',
    calls: '[(I(-6, 6), I(-2, 30)) for _ in range(200)] + [(I(-50, 50), I(0, 70)) for _ in range(20)] + [(2, 62), (2, 63), (-2, 63), (3, 40), (0, 0)]',
  },
  {
    id: 'mixed',
    file: join(FIXTURES, 'semantics.py'),
    fn: 'mixed',
    calls: '[(I(-40, 40), F()) for _ in range(200)] + [(5, -0.0), (3, math.inf), (4, math.nan)]',
  },
  { id: 'loops', file: join(FIXTURES, 'semantics.py'), fn: 'loops', calls: '[(I(-5, 200),) for _ in range(100)]' },
  {
    id: 'arrays',
    file: join(FIXTURES, 'semantics.py'),
    fn: 'arrays',
    calls: '[(FL(I(0, 8)), FG(I(0, 4), I(0, 4))) for _ in range(100)] + [([1.0, 2.0], [[1.0], [2.0, 3.0]]), ([1, 2], [[1.0]])]',
  },
  {
    id: 'mandelbrot',
    file: join(EXAMPLES, 'mandelbrot.py'),
    fn: 'mandelbrot',
    params: ['int', 'int', 'int'],
    calls: '[(I(0, 30), I(0, 20), I(0, 60)) for _ in range(20)]',
  },
  {
    id: 'collatz_steps',
    file: join(EXAMPLES, 'collatz.py'),
    fn: 'collatz_steps',
    params: ['int'],
    calls: '[(I(0, 3000),) for _ in range(10)] + [(0,), (1,), (2,)]',
  },
  {
    id: 'nbody_advance',
    file: join(EXAMPLES, 'nbody.py'),
    fn: 'advance',
    params: ['list[list[float]]', 'list[list[float]]', 'list[float]', 'float', 'int'],
    calls: '[(*make_system(), F(0.001, 0.05), I(0, 50)) for _ in range(10)]',
  },
  {
    id: 'stencil_relax',
    file: join(EXAMPLES, 'stencil.py'),
    fn: 'relax',
    params: ['ndarray[float64, 2]', 'ndarray[float64, 2]', 'float', 'int'],
    calls: '[(ND(n, n), ND(n, n), F(0.0, 0.1), I(0, 4)) for n in (0, 1, 2, 3, 7, 16)]',
  },
  {
    id: 'pairwise_sum',
    file: join(EXAMPLES, 'pairwise.py'),
    fn: 'pairwise_sum',
    params: ['list[tuple[float]]'],
    calls: '[(make_points(I(0, 60), I(0, 1000)),) for _ in range(10)] + [([],)]',
  },
  {
    id: 'compare_big',
    file: join(FIXTURES, 'numpy_semantics.py'),
    fn: 'compare_big',
    calls:
      '[(B(), BF()) for _ in range(300)] + [(B(), float(B())) for _ in range(100)] + [(2**53 + 1, 9007199254740992.0), (2**63 - 1, 9.223372036854776e18), (-(2**63), -9.223372036854776e18), (2**53 + 1, math.nan), (3, math.inf)]',
  },
  {
    id: 'equal_big',
    file: join(FIXTURES, 'numpy_semantics.py'),
    fn: 'equal_big',
    calls: '[(B(), BF()) for _ in range(100)] + [(2**53 + 1, 9007199254740992.0), (2**53, 9007199254740992.0)]',
  },
  {
    id: 'sum_ints',
    file: join(FIXTURES, 'numpy_semantics.py'),
    fn: 'sum_ints',
    calls: '[(NI(I(0, 4)),) for _ in range(100)] + [(NI(0),), (np.array([2**62, 2**62]),)]',
  },
  {
    id: 'sum_floats',
    file: join(FIXTURES, 'numpy_semantics.py'),
    fn: 'sum_floats',
    calls: '[(NF(I(0, 4)),) for _ in range(100)] + [(NF(0),), (np.array([1e308, 1e308]),), (np.array([math.inf, -math.inf]),)]',
  },
  {
    id: 'scaled_sum',
    file: join(FIXTURES, 'numpy_semantics.py'),
    fn: 'scaled_sum',
    calls: '[(NF(I(0, 4)), F()) for _ in range(100)] + [(NF(0), 2.0), (np.array([1e300]), 1e300), (np.array([1.0]), math.inf)]',
  },
  { id: 'first_or', file: join(FIXTURES, 'numpy_semantics.py'), fn: 'first_or', calls: '[(NI(I(0, 2)), I()) for _ in range(50)]' },
  {
    id: 'largest',
    file: join(FIXTURES, 'numpy_semantics.py'),
    fn: 'largest',
    calls: '[(NI(I(0, 3)), I()) for _ in range(100)] + [(NI(0), 5), (np.array([5]), 5)]',
  },
  { id: 'positive', file: join(FIXTURES, 'numpy_semantics.py'), fn: 'positive', calls: '[(NF(I(0, 2)), F()) for _ in range(100)]' },
  {
    id: 'elements_vs_float',
    file: join(FIXTURES, 'numpy_semantics.py'),
    fn: 'elements_vs_float',
    calls: '[(NI(I(0, 3)), BF()) for _ in range(200)] + [(np.array([2**53 + 1]), 9007199254740992.0)]',
  },
  {
    id: 'last_vs_float',
    file: join(FIXTURES, 'numpy_semantics.py'),
    fn: 'last_vs_float',
    calls: '[(NI(I(0, 2)), B(), BF()) for _ in range(200)] + [(NI(0), 2**53 + 1, 9007199254740992.0), (np.array([2**53 + 1]), 0, 9007199254740992.0)]',
  },
  {
    id: 'mixed_sum',
    file: join(FIXTURES, 'numpy_semantics.py'),
    fn: 'mixed_sum',
    calls: '[(NI(I(0, 2)), [I(-100, 100) for _ in range(I(0, 2))]) for _ in range(100)]',
  },
  { id: 'chain_kind', file: join(FIXTURES, 'numpy_semantics.py'), fn: 'chain_kind', calls: '[(NF(I(0, 2)), F()) for _ in range(100)]' },
  { id: 'pick', file: join(FIXTURES, 'numpy_semantics.py'), fn: 'pick', calls: '[(NF(I(0, 2)), F(), I(-3, 3)) for _ in range(100)]' },
  {
    id: 'halves',
    file: join(FIXTURES, 'numpy_semantics.py'),
    fn: 'halves',
    calls: '[(NF(I(0, 3)), F()) for _ in range(100)] + [(np.array([1.0]), 0.0), (np.array([math.inf]), 2.0), (np.array([1e308]), 1e-10)]',
  },
  { id: 'with_helper', file: join(FIXTURES, 'numpy_semantics.py'), fn: 'with_helper', calls: '[(NF(I(0, 2)), F()) for _ in range(100)]' },
  {
    id: 'smallest',
    file: join(FIXTURES, 'numpy_semantics.py'),
    fn: 'smallest',
    calls: '[(NF(I(0, 3)), F()) for _ in range(100)] + [(np.array([-0.0]), 0.0), (np.array([0.0]), -0.0), (np.array([math.nan]), 1.0)]',
  },
  { id: 'promoted', file: join(FIXTURES, 'numpy_semantics.py'), fn: 'promoted', calls: '[(NF(I(0, 3)),) for _ in range(100)]' },
  // Lists and arrays the kernel builds (fixtures/lists.py).
  {
    id: 'squares_of_odd',
    file: join(FIXTURES, 'lists.py'),
    fn: 'squares_of_odd',
    calls: '[(I(-5, 60),) for _ in range(60)] + [(0,), (1,)]',
  },
  { id: 'sieve', file: join(FIXTURES, 'lists.py'), fn: 'sieve', calls: '[(I(-3, 300),) for _ in range(60)] + [(0,), (1,), (2,), (-1,), (-2,)]' },
  {
    id: 'running_mean',
    file: join(FIXTURES, 'lists.py'),
    fn: 'running_mean',
    calls: '[([F() for _ in range(I(0, 6))],) for _ in range(150)] + [([],), ([-0.0],), ([1e308, 1e308],), ([math.inf, -math.inf],)]',
  },
  {
    id: 'histogram',
    file: join(FIXTURES, 'lists.py'),
    fn: 'histogram',
    calls:
      '[(np.array([F(-0.2, 1.2) for _ in range(I(0, 20))]), I(1, 6)) for _ in range(100)] + [(NF(3), 4), (NF(2), 0), (NF(0), -1), (np.array([math.nan]), 3)]',
  },
  {
    id: 'outer',
    file: join(FIXTURES, 'lists.py'),
    fn: 'outer',
    calls: '[(NF(I(0, 4)), [F() for _ in range(I(0, 4))]) for _ in range(100)]',
  },
  {
    id: 'spread',
    file: join(FIXTURES, 'lists.py'),
    fn: 'spread',
    calls: '[([F() for _ in range(I(0, 6))],) for _ in range(200)] + [([],), ([math.nan],), ([-0.0, 0.0],), ([1e308, -1e308],)]',
  },
  {
    id: 'count_and_top',
    file: join(FIXTURES, 'lists.py'),
    fn: 'count_and_top',
    calls: '[([I() for _ in range(I(0, 6))],) for _ in range(200)] + [([],), ([2**62, 2**62],), ([-(2**63)],)]',
  },
  {
    id: 'ramps',
    file: join(FIXTURES, 'lists.py'),
    fn: 'ramps',
    calls: '[(I(-20, 60), I(-7, 7)) for _ in range(200)] + [(5, 0), (10, 2**62), (-10, -(2**62)), (10, -(2**63)), (3, 2**63 - 1)]',
  },
  { id: 'filled', file: join(FIXTURES, 'lists.py'), fn: 'filled', calls: '[(I(-2, 8), F()) for _ in range(150)]' },
  { id: 'built_then_passed', file: join(FIXTURES, 'lists.py'), fn: 'built_then_passed', calls: '[(I(-2, 40), F()) for _ in range(150)]' },
  // Function shapes (fixtures/shapes.py): recursion, str parameters, defaults, imports in the function.
  { id: 'fib', file: join(FIXTURES, 'shapes.py'), fn: 'fib', calls: '[(I(-3, 18),) for _ in range(40)] + [(0,), (1,), (20,)]' },
  {
    id: 'is_even',
    file: join(FIXTURES, 'shapes.py'),
    fn: 'is_even',
    calls: '[(I(-3, 400),) for _ in range(60)] + [(5000,), (-1,)]',
  },
  {
    id: 'quicksort',
    file: join(FIXTURES, 'shapes.py'),
    fn: 'quicksort',
    calls:
      '[(a, 0, len(a) - 1) for a in ([F(-5, 5) for _ in range(I(0, 30))] for _ in range(80))] + [([F() for _ in range(I(0, 8))], I(-2, 3), I(-2, 9)) for _ in range(40)]',
  },
  {
    id: 'levenshtein',
    file: join(FIXTURES, 'shapes.py'),
    fn: 'levenshtein',
    calls: '[(S(), S()) for _ in range(200)] + [("", ""), ("kitten", "sitting"), ("\\ud800", "\\ud800x")]',
  },
  { id: 'letters', file: join(FIXTURES, 'shapes.py'), fn: 'letters', calls: '[(S(I(0, 40)),) for _ in range(200)] + [("",)]' },
  {
    id: 'defaults_and_keywords',
    file: join(FIXTURES, 'shapes.py'),
    fn: 'defaults_and_keywords',
    calls: '[([F(-1e3, 1e3) for _ in range(I(0, 5))], I(-5, 5)) for _ in range(100)] + [([F() for _ in range(I(0, 3))], I()) for _ in range(50)]',
  },
  {
    id: 'builtin_names',
    file: join(FIXTURES, 'shapes.py'),
    fn: 'builtin_names',
    calls: '[([I(-50, 50) for _ in range(I(0, 6))],) for _ in range(100)] + [([I() for _ in range(I(0, 4))],) for _ in range(50)]',
  },
  // Loop shapes (fixtures/loops.py): enumerate, zip, targets that unpack.
  {
    id: 'weighted_mean',
    file: join(FIXTURES, 'loops.py'),
    fn: 'weighted_mean',
    calls: '[([F() for _ in range(I(0, 6))], [F(0.0, 2.0) for _ in range(I(0, 6))]) for _ in range(150)] + [([], []), ([1.0], [])]',
  },
  {
    id: 'listed',
    file: join(FIXTURES, 'loops.py'),
    fn: 'listed',
    calls: '[([F() for _ in range(I(0, 8))], I(-3, 8)) for _ in range(200)] + [([], 7), ([1.0, 2.0], 2)]',
  },
  {
    id: 'slice_pairs',
    file: join(FIXTURES, 'loops.py'),
    fn: 'slice_pairs',
    calls: '[(FL(I(0, 8)), I(-10, 10)) for _ in range(300)] + [([], 0), ([1.0], -1), ([1.0, 2.0, 3.0], 2**62)]',
  },
  {
    id: 'table',
    file: join(FIXTURES, 'grids.py'),
    fn: 'table',
    calls: '[(FL(I(0, 5)), I(-2, 5)) for _ in range(200)] + [([], 3), ([1.0], 0)]',
  },
  {
    id: 'dot',
    file: join(FIXTURES, 'loops.py'),
    fn: 'dot',
    calls: '[([F() for _ in range(I(0, 6))], [F() for _ in range(I(0, 6))]) for _ in range(150)] + [([], [1.0])]',
  },
  { id: 'argmax', file: join(FIXTURES, 'loops.py'), fn: 'argmax', calls: '[([I() for _ in range(I(0, 6))],) for _ in range(150)] + [([],)]' },
  {
    id: 'prefix_sums',
    file: join(FIXTURES, 'loops.py'),
    fn: 'prefix_sums',
    calls: '[([I(-100, 100) if rng.random() < 0.8 else I() for _ in range(I(0, 6))], [0] * I(0, 7)) for _ in range(200)]',
  },
  {
    id: 'numbered',
    file: join(FIXTURES, 'loops.py'),
    fn: 'numbered',
    calls:
      '[([F() for _ in range(I(0, 5))], I(-20, 20)) for _ in range(100)] + [([F() for _ in range(I(0, 5))], I()) for _ in range(60)] + [([1.0, 2.0], 2**63 - 2)]',
  },
  { id: 'mismatches', file: join(FIXTURES, 'loops.py'), fn: 'mismatches', calls: '[(S(), S()) for _ in range(200)] + [("", "abc"), ("abc", "abd")]' },
  {
    id: 'nested_pairs',
    file: join(FIXTURES, 'loops.py'),
    fn: 'nested_pairs',
    calls: '[([F() for _ in range(I(0, 9))], [I(-50, 50) for _ in range(I(0, 9))]) for _ in range(150)]',
  },
  {
    id: 'scale_rows',
    file: join(FIXTURES, 'loops.py'),
    fn: 'scale_rows',
    params: ['ndarray[float64]', 'ndarray[float64]'],
    calls: '[(NF(I(0, 5)), NF(I(0, 5))) for _ in range(100)] + [(np.array([1e308]), np.array([10.0])), (NF(0), NF(3))]',
  },
  {
    id: 'pairs_list',
    file: join(FIXTURES, 'loops.py'),
    fn: 'pairs_list',
    calls: '[([I(-3, 3) for _ in range(I(0, 6))], [I(-3, 3) if rng.random() < 0.8 else I() for _ in range(I(0, 6))]) for _ in range(150)]',
  },
  {
    id: 'last_index',
    file: join(FIXTURES, 'loops.py'),
    fn: 'last_index',
    calls: '[([F(-1e6, 1e6) for _ in range(I(0, 4))],) for _ in range(100)] + [([math.inf],), ([],)]',
  },
  {
    id: 'centre_of_mass',
    file: join(FIXTURES, 'loops.py'),
    fn: 'centre_of_mass',
    calls: '[([tuple(r) for r in FG(I(0, 5), 3, 0.0, 5.0)],) for _ in range(100)] + [([(1.0, 2.0)],), ([(1.0, 2.0, 3.0, 4.0)],), ([(F(), F(), F())],)]',
  },
  {
    id: 'kinetic',
    file: join(FIXTURES, 'loops.py'),
    fn: 'kinetic',
    params: ['ndarray[float64, 2]', 'ndarray[float64, 2]', 'ndarray[float64]'],
    calls: '[(ND(k, 3), ND(I(0, 5), 3), NF(I(0, 5))) for k in (I(0, 5) for _ in range(100))] + [(ND(2, 2), ND(2, 3), NF(2)), (ND(0, 2), ND(2, 3), NF(2))]',
  },
  {
    id: 'spans',
    file: join(FIXTURES, 'loops.py'),
    fn: 'spans',
    calls: '[([[I(-9, 9), I(-9, 9)] for _ in range(I(0, 6))],) for _ in range(100)] + [([[1, 2, 3]],), ([[2**62, -(2**62)], [-(2**62), 2**62]],)]',
  },
  // NumPy scalars as arguments (fixtures/scalars.py).
  {
    id: 'escape_time',
    file: join(FIXTURES, 'scalars.py'),
    fn: 'escape_time',
    params: ['numpy.float64', 'numpy.float64', 'float', 'float', 'int'],
    calls:
      '[(np.float64(F(-2.0, 2.0)), np.float64(F(-2.0, 2.0)), F(-1.0, 1.0), F(-1.0, 1.0), I(0, 60)) for _ in range(150)] + [(np.float64(1e200), np.float64(0.0), 0.0, 0.0, 5), (1.0, np.float64(0.0), 0.0, 0.0, 5), (np.float64(math.nan), np.float64(0.0), 0.0, 0.0, 3)]',
  },
  {
    id: 'digits',
    file: join(FIXTURES, 'scalars.py'),
    fn: 'digits',
    params: ['numpy.int64', 'int'],
    calls: '[(np.int64(I()), I(2, 16)) for _ in range(150)] + [(np.int64(5), 0), (np.int64(-5), 0), (np.int64(2**63 - 1), 2), (7, 2)]',
  },
  {
    id: 'scaled',
    file: join(FIXTURES, 'scalars.py'),
    fn: 'scaled',
    params: ['numpy.float64', 'float'],
    calls: '[(np.float64(F()), F()) for _ in range(150)] + [(np.float64(1e308), 10.0), (np.float64(2.0), 3.0), (2.0, 3.0)]',
  },
  // Module-level constants and tables (fixtures/constants.py).
  { id: 'attraction', file: join(FIXTURES, 'constants.py'), fn: 'attraction', calls: '[(F(), F(), F()) for _ in range(150)] + [(1.0, 1.0, 0.0)]' },
  { id: 'smooth', file: join(FIXTURES, 'constants.py'), fn: 'smooth', calls: '[([F() for _ in range(I(0, 7))],) for _ in range(150)]' },
  { id: 'wheel', file: join(FIXTURES, 'constants.py'), fn: 'wheel', calls: '[(I(),) for _ in range(150)] + [(0,), (30030,)]' },
  // Module-level data read and written (fixtures/module_data.py): lists per coordinate, lists of records sharing lists.
  ...moduleDataCases(),
  ...methodCases(),
  // Lists of lists (fixtures/grids.py): built as [[x] * m for _ in range(n)] and returned, passed with infinities.
  { id: 'pascal', file: join(FIXTURES, 'grids.py'), fn: 'pascal', calls: '[(I(-3, 12),) for _ in range(40)] + [(66,), (67,), (70,)]' },
  { id: 'lcs_length', file: join(FIXTURES, 'grids.py'), fn: 'lcs_length', calls: '[(S(), S()) for _ in range(150)] + [("", "abc"), ("abcb", "bcab")]' },
  {
    id: 'shortest_paths',
    file: join(FIXTURES, 'grids.py'),
    fn: 'shortest_paths',
    calls:
      '[([[rng.choice([math.inf, F(0.0, 9.0), float(I(0, 9))]) for _ in range(k)] for _ in range(k)],) for k in (I(0, 6) for _ in range(100))] + [(FG(3, 2),), (FG(2, 3),), ([[0.0, -1.0], [-1.0, 0.0]],), ([[math.inf, math.nan], [1.0, -math.inf]],)]',
  },
  { id: 'life', file: join(FIXTURES, 'grids.py'), fn: 'life', calls: '[(I(-1, 7), I(0, 4), I()) for _ in range(60)] + [(0, 3, 1), (1, 2, 0)]' },
  { id: 'marks', file: join(FIXTURES, 'grids.py'), fn: 'marks', calls: '[(I(-2, 5), I(-2, 6), I(1, 3)) for _ in range(100)] + [(2, 2, 0)]' },
  // Rows held in names and lists joined with + (fixtures/rows.py): rows that are one list object ([[0.0] * 3] * 3) fall
  // back, any row index (negative, out of range), views of a NumPy array's rows, rolling rows of a dynamic programme.
  {
    id: 'relax_paths',
    file: join(FIXTURES, 'rows.py'),
    fn: 'relax_paths',
    calls:
      '[([[rng.choice([math.inf, F(0.0, 9.0), float(I(0, 9))]) for _ in range(k)] for _ in range(k)],) for k in (I(0, 6) for _ in range(100))] + [([[0.0] * 3] * 3,), ([[1.0, math.inf]] * 2,), (FG(3, 2),), (FG(2, 3),), ([[0.0, -1.0], [-1.0, 0.0]],), ([[math.inf, math.nan], [1.0, -math.inf]],)]',
  },
  {
    id: 'bump_row',
    file: join(FIXTURES, 'rows.py'),
    fn: 'bump_row',
    calls:
      '[([[I(-5, 5) for _ in range(c)] for _ in range(r)], I(-r, r - 1), I(-9, 9)) for r, c in [(I(1, 4), I(0, 4)) for _ in range(150)]] + [([[1, 2]] * 3, 1, 5), ([[2**62, 1]], 0, 2**62), ([[1], [2]], -3, 1), ([[1], [2]], -2, 1), ([], 0, 1), ([[1, 2], [3, 4]], 2, 1)]',
  },
  { id: 'table_rows', file: join(FIXTURES, 'rows.py'), fn: 'table_rows', calls: '[(S(), S()) for _ in range(150)] + [("", "abc"), ("abcb", "bcab")]' },
  {
    id: 'smooth_rows',
    file: join(FIXTURES, 'rows.py'),
    fn: 'smooth_rows',
    params: ['ndarray[float64, 2]', 'int'],
    calls: '[(ND(I(0, 6), I(0, 6)), I(0, 3)) for _ in range(100)] + [(ND(4, 6)[:, ::2], 2), (np.asfortranarray(ND(5, 5)), 1)]',
  },
  { id: 'rolling_edit', file: join(FIXTURES, 'rows.py'), fn: 'rolling_edit', calls: '[(S(), S()) for _ in range(150)] + [("", ""), ("kitten", "sitting")]' },
  { id: 'pascal_row', file: join(FIXTURES, 'rows.py'), fn: 'pascal_row', calls: '[(I(-3, 12),) for _ in range(40)] + [(66,), (67,), (70,)]' },
  { id: 'joined', file: join(FIXTURES, 'rows.py'), fn: 'joined', calls: '[(I(-3, 5), F(), I(-3, 5)) for _ in range(150)] + [(0, 1.5, 0)]' },
  {
    id: 'centre_rows',
    file: join(FIXTURES, 'rows.py'),
    fn: 'centre_rows',
    calls:
      '[(FG(I(0, 4), I(0, 4)),) for _ in range(120)] + [([[F() for _ in range(3)] for _ in range(2)],) for _ in range(40)] + [([[1.0, 2.0]] * 2,), ([[math.nan, 1.0], [2.0, math.inf]],)]',
  },
  // 3-D NumPy arrays (fixtures/volumes.py): a[i, j, k] and a[i][j][k], shapes from .shape and len(), written in place;
  // views that are not C-contiguous, Fortran order, a shape that does not match the other array's (an index past the
  // end bails out), NaN and infinities among the pixels.
  {
    id: 'grow_regions',
    file: join(FIXTURES, 'volumes.py'),
    fn: 'grow_regions',
    calls:
      '[(rng.choice([ND(h, w, c) * 30.0, NF(h * w * c).reshape(h, w, c)]), rng.choice([ND(h, w, 2)] * 6 + [ND(h, w, 4)[:, :, ::2], np.asfortranarray(ND(h, w, 2)), ND(h, max(w - 1, 0), 2)]), I(0, 2)) for h, w, c in [(I(0, 5), I(0, 5), I(1, 3)) for _ in range(120)]]',
  },
  {
    id: 'census',
    file: join(FIXTURES, 'volumes.py'),
    fn: 'census',
    calls:
      '[(np.array([rng.choice([0, 0, 1, I()]) for _ in range(d * r * c)], dtype=np.int64).reshape(d, r, c), rng.choice([NI(d * r * c).reshape(d, r, c)] * 5 + [np.zeros((d, r, c + 1), dtype=np.int64)[:, :, 1:], np.zeros((d, r, max(c - 1, 0)), dtype=np.int64)])) for d, r, c in [(I(0, 4), I(0, 4), I(0, 4)) for _ in range(120)]]',
  },
  {
    id: 'corners',
    file: join(FIXTURES, 'volumes.py'),
    fn: 'corners',
    calls:
      '[(ND(I(2, 3), I(2, 3), I(2, 3)), I(-3, 2), I(-3, 2), I(-3, 2)) for _ in range(300)] + [(ND(0, 2, 2), 0, 0, 0), (ND(1, 1, 1), 0, 0, 1), (np.full((2, 2, 2), math.inf), 0, 1, -1), (np.full((1, 1, 1), 1e308), 0, 0, 0)]',
  },
  // Complex numbers (fixtures/complex_numbers.py): CPython's formulas on infinities, NaN, signed zeros and huge values.
  {
    id: 'escape',
    file: join(FIXTURES, 'complex_numbers.py'),
    fn: 'escape',
    calls: '[(F(-2.0, 1.0), F(-1.5, 1.5), I(0, 60)) for _ in range(150)] + [(math.nan, 0.0, 5), (math.inf, 0.0, 5), (1e200, 1e200, 4), (-0.0, -0.0, 3)]',
  },
  {
    id: 'julia_step',
    file: join(FIXTURES, 'complex_numbers.py'),
    fn: 'julia_step',
    calls:
      '[(F(), F(), F(-1.0, 1.0), F(-1.0, 1.0), I(0, 12)) for _ in range(150)] + [tuple(rng.choice([0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 1e-300]) for _ in range(4)) + (I(0, 4),) for _ in range(100)]',
  },
  {
    id: 'quotient',
    file: join(FIXTURES, 'complex_numbers.py'),
    fn: 'quotient',
    calls:
      '[(F(), F(), F(), F()) for _ in range(150)] + [tuple(rng.choice([0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 1e-300]) for _ in range(4)) for _ in range(300)] + [(1.0, 1.0, 0.0, 0.0), (1.0, 1.0, -0.0, 0.0), (1e308, 1e308, 1e-308, 1e-308), (1.0, 0.0, math.inf, math.nan)]',
  },
  {
    id: 'rotate',
    file: join(FIXTURES, 'complex_numbers.py'),
    fn: 'rotate',
    calls:
      '[(F(), F(), I(0, 9)) for _ in range(150)] + [(rng.choice([0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 1e-300]), rng.choice([0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 1e-300]), I(0, 5)) for _ in range(100)] + [(1e308, 1e308, 0)]',
  },
  {
    id: 'step_field',
    file: join(FIXTURES, 'complex_numbers.py'),
    fn: 'step_field',
    calls:
      '[(complex(F(-1.5, 1.5), F(-1.5, 1.5)), complex(F(-1.0, 1.0), F(-1.0, 1.0)), I(0, 30)) for _ in range(150)] + [(complex(rng.choice([0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 1e-300]), rng.choice([0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 1e-300])), complex(rng.choice([0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 1e-300]), rng.choice([0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 1e-300])), I(0, 3)) for _ in range(200)] + [(0j, 0j, 5), (1.0, 0j, 1), (complex(2, 0), 1 + 0j, 0)]',
  },
  {
    id: 'products',
    file: join(FIXTURES, 'complex_numbers.py'),
    fn: 'products',
    calls:
      '[(F(), F(), F(), F()) for _ in range(150)] + [tuple(rng.choice([0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 1e-300]) for _ in range(4)) for _ in range(300)] + [(1e200, 1e200, 1e200, 1e200), (2.0, 0.0, 1.0, 0.0)]',
  },
];

/**
 * The cases of fixtures/methods.py: instances made from drawn values, now and then hostile (two attributes one list,
 * an int where a float was compiled, a property in a subclass, a missing attribute): the wrapper runs the original.
 */
function methodCases(): KernelCase[] {
  const file = join(FIXTURES, 'methods.py');
  const cloud = `make_cloud(FL(n), FL(n), F(), F(), rng.choice([I(), 0, 2**63 - 1]), rng.choice([0] * 16 + [1, 2, 3, 4]))`;
  return [
    {
      id: 'cloud_step',
      file,
      fn: 'Cloud.step',
      params: ['methods.Cloud', 'float'],
      attrs: { x: 'list[float]', v: 'list[float]', dt: 'float', time: 'float', steps: 'int' },
      calls: `[(${cloud}, F()) for n in [I(0, 6) for _ in range(200)]]`,
    },
    {
      id: 'rod_relax',
      file,
      fn: 'Rod.relax',
      params: ['methods.Rod', 'int'],
      attrs: { u: 'ndarray[float64]', alpha: 'float', sweeps: 'int' },
      calls: '[(Rod(np.array(FL(I(0, 8))), F(0.0, 0.5), rng.choice([I(), 2**63 - 1])), I(-1, 4)) for _ in range(200)]',
    },
    {
      id: 'vector_dot',
      file,
      fn: 'Vector.dot',
      params: ['methods.Vector', 'float', 'float', 'float'],
      attrs: { x: 'float', y: 'float', z: 'float' },
      calls: '[(Vector(F(), F(), rng.choice([F()] * 9 + [I()])), F(), F(), F()) for _ in range(300)]',
    },
  ];
}

/** The cases of fixtures/module_data.py: each call starts from a fresh random state, hostile ones among them. */
function moduleDataCases(): KernelCase[] {
  const file = join(FIXTURES, 'module_data.py');
  const body = 'tuple[list[float], list[float], float]';
  const records = { BODIES: `list[${body}]`, BODY_PAIRS: `list[tuple[${body}, ${body}]]` };
  const coords = { X: 'list[float]', Y: 'list[float]', VX: 'list[float]', VY: 'list[float]', MASS: 'list[float]', INDEX_PAIRS: 'list[tuple[int]]' };
  // Mostly bodies of three floats; sometimes two values (unpacking bails), an int among them or an int mass (the
  // wrapper falls back), one shared velocity list, or a velocity list that is also X.
  const vec = 'rng.choice([FL(3)] * 22 + [FL(2), [1, 0.0, 0.0]])';
  const coordinates = '(lambda n: [FL(n if rng.random() < 0.95 else n + 1, -3.0, 3.0) for _ in range(5)])(I(0, 5))';
  const reset = `(${coordinates}, [(${vec}, ${vec}, rng.choice([F(0.1, 3.0)] * 19 + [2])) for _ in range(I(0, 4))], rng.choice([0, 0, 0, 1, 2]))`;
  return [
    { id: 'pull', file, fn: 'pull', globals: coords, reset, calls: '[(F(0.001, 0.05), I(0, 20)) for _ in range(120)] + [(math.nan, 2), (0.01, -1)]' },
    { id: 'advance_system', file, fn: 'advance_system', globals: records, reset, calls: '[(F(0.001, 0.05), I(0, 20)) for _ in range(150)] + [(math.inf, 1)]' },
    { id: 'energy', file, fn: 'energy', globals: records, reset, calls: '[() for _ in range(150)]' },
    {
      id: 'kick',
      file,
      fn: 'kick',
      params: ['float', `list[${body}]`],
      globals: { X: 'list[float]' },
      reset,
      calls: '[(F(0.0, 0.2), "BODIES") for _ in range(150)]',
    },
  ];
}

/** Lowers every case with the frontend on the given interpreter; a refusal fails loudly. */
export async function lowerCases(python: string, cases = KERNEL_CASES): Promise<PythonKernel[]> {
  return Promise.all(
    cases.map(async (c) => {
      const r = await selectPythonKernel({
        python,
        file: c.file,
        fileName: c.file.split('/').pop()!,
        functionName: c.fn,
        ...(c.params ? { params: c.params } : {}),
        ...(c.globals ? { globals: c.globals } : {}),
        ...(c.attrs ? { attrs: c.attrs } : {}),
      });
      if (!r.ok) throw new Error(`${c.id}: refused: ${JSON.stringify(r.refusal)}`);
      return r.kernel;
    }),
  );
}

/** A copy of the kernel whose functions are all prefixed, so that many kernels fit in one module. */
export function prefixKernel(kernel: PythonKernel, prefix: string): PythonKernel {
  const copy = structuredClone(kernel);
  const rename = (n: string) => `${prefix}${n}`;
  for (const f of copy.ir.functions) {
    f.name = rename(f.name);
    walkPyIr(
      f.body,
      () => {},
      (e) => {
        if (e.kind === 'call') e.fn = rename(e.fn);
      },
    );
  }
  copy.ir.entry = rename(copy.ir.entry);
  return copy;
}

/** Writes one wrapper module per kernel around the batch module; returns their names. */
export async function writeWrappers(dir: string, kernels: PythonKernel[], batchModule: string, target: PythonTarget): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const names: string[] = [];
  for (const k of kernels) {
    const name = `${k.ir.entry}_${target}_wrapper`;
    await writeFile(join(dir, `${name}.py`), emitPythonWrapper(k, batchModule, target));
    names.push(name);
  }
  return names;
}

/** What differential.py reports for one kernel. */
export interface DifferentialReport {
  fn: string;
  wrapperModule: string;
  cases: number;
  calls: number;
  fallbacks: number;
  mismatchCount: number;
  mismatches: unknown[];
}

/**
 * Runs differential.py once for every kernel case (`cases[i]` compiled as `kernels[i]`): the original and its wrapper
 * (`wrappers[i]`, in `dir`) on random and edge-case calls seeded from `seed`, in one Python process.
 */
export function runDifferential(
  python: string,
  dir: string,
  kernels: PythonKernel[],
  wrappers: string[],
  seed: number,
  timeoutMs: number,
  repeat = 1,
  cases: KernelCase[] = KERNEL_CASES,
): Promise<DifferentialReport[]> {
  const jobs = cases.map((c, i) => ({
    file: c.file,
    fn: c.fn,
    wrapperDir: dir,
    wrapperModule: wrappers[i],
    entry: kernels[i]!.ir.entry,
    calls: c.calls,
    ...(c.reset ? { reset: c.reset, globals: Object.keys(c.globals ?? {}) } : {}),
    seed: seed + i,
    repeat,
  }));
  return new Promise((done, fail) => {
    const child = execFile(python, [join(__dirname, 'differential.py')], { maxBuffer: 64 << 20, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`differential.py failed: ${String(stderr).slice(-3000)}`));
      done(JSON.parse(String(stdout)) as DifferentialReport[]);
    });
    child.stdin!.end(JSON.stringify(jobs));
  });
}
