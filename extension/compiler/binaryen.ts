// The one file that talks to binaryen: loads it on first use (it is large, ESM-only, with top-level await),
// and optimises and emits a module. Backends build expressions through the module it hands out.
import type BinaryenNs from 'binaryen';

export type Binaryen = typeof BinaryenNs;
export type BinaryenModule = InstanceType<Binaryen['Module']>;
export type ExpressionRef = number;
export type BinaryenType = number;

let loading: Promise<Binaryen> | undefined;
// A computed specifier keeps bundlers from turning the import into a require(), which ESM with top-level await forbids.
const specifier = 'binaryen';

/** binaryen, imported once per process. */
export function loadBinaryen(): Promise<Binaryen> {
  loading ??= (import(specifier) as Promise<{ default: Binaryen }>).then((m) => m.default);
  return loading;
}

/** The features generated modules may use: all are in Node 20 and current browsers. */
export function kernelFeatures(b: Binaryen): number {
  const F = b.Features;
  return F.MutableGlobals | F.NontrappingFPToInt | F.SignExt | F.BulkMemory | F.BulkMemoryOpt;
}

export interface Emitted {
  wasm: Uint8Array;
  wat: string;
  /** The optimisation settings, for the build log and the cache key. */
  flags: string[];
}

/** Largest function (in binaryen's instructions) inlined into each of several callers (binaryen's default: 20). */
const FLEXIBLE_INLINE = 64;

/** Validates, optimises like `wasm-opt -O3` (IEEE semantics kept: no fast-math) and emits binary and text. */
export function optimizeAndEmit(b: Binaryen, mod: BinaryenModule): Emitted {
  if (!mod.validate()) throw new Error('the generated WebAssembly module does not validate');
  b.setOptimizeLevel(3);
  b.setShrinkLevel(0);
  b.setFastMath(false);
  // Helpers with a checked integer version and a double one (dyadic.ts) are about 50 instructions: still inlined.
  b.setFlexibleInlineMaxSize(FLEXIBLE_INLINE);
  mod.optimize();
  leftNestIntegerChains(b, mod);
  if (!mod.validate()) throw new Error('the optimised WebAssembly module does not validate');
  return {
    wasm: mod.emitBinary(),
    wat: mod.emitText(),
    flags: ['-O3', '--shrink-level=0', '--no-fast-math', `--flexible-inline-max-function-size=${FLEXIBLE_INLINE}`],
  };
}

interface BinaryAccess {
  getOp(e: ExpressionRef): number;
  getLeft(e: ExpressionRef): ExpressionRef;
  getRight(e: ExpressionRef): ExpressionRef;
  setLeft(e: ExpressionRef, v: ExpressionRef): void;
  setRight(e: ExpressionRef, v: ExpressionRef): void;
}

/**
 * Rewrites right-nested chains of one associative integer operation, `a + (b + (c + d))`, as left-nested ones,
 * `((a + b) + c) + d`. The operands are evaluated in the same order and wrapping integer arithmetic is
 * associative, so the value is the same; but V8 keeps one running sum instead of holding every operand (a
 * blur's nine loads) in a register until the last is read. binaryen's canonical form puts the simpler operand
 * (a load) on the left of an add, which builds right-nested chains out of a loop's `s += a[i]`.
 */
function leftNestIntegerChains(b: Binaryen, mod: BinaryenModule): void {
  // binaryen.js has these accessors; its type declarations do not list them.
  const Bin = (b as unknown as { Binary: BinaryAccess }).Binary;
  const ops = new Set([b.AddInt32, b.MulInt32, b.AndInt32, b.OrInt32, b.XorInt32, b.AddInt64, b.MulInt64, b.AndInt64, b.OrInt64, b.XorInt64]);
  const visit = (e: ExpressionRef): void => {
    if (!e) return;
    const id = b.getExpressionId(e);
    // binaryen.js has no info for these (and they have no operands).
    if (id === b.UnreachableId || id === b.NopId || id === b.ConstId || id === b.LocalGetId || id === b.GlobalGetId || id === b.MemorySizeId) return;
    if (id === b.BinaryId && ops.has(Bin.getOp(e))) {
      const op = Bin.getOp(e);
      for (;;) {
        const left = Bin.getLeft(e);
        const right = Bin.getRight(e);
        if (b.getExpressionId(right) !== b.BinaryId || Bin.getOp(right) !== op) break;
        // (Code after an unreachable operand is typed `unreachable`: left alone.)
        const type = b.getExpressionType(e);
        if (type === b.unreachable || b.getExpressionType(right) !== type) break;
        // e = left ∘ (rl ∘ rr)  →  (left ∘ rl) ∘ rr, reusing the inner node.
        const rl = Bin.getLeft(right);
        const rr = Bin.getRight(right);
        Bin.setLeft(right, left);
        Bin.setRight(right, rl);
        Bin.setLeft(e, right);
        Bin.setRight(e, rr);
      }
    }
    const info = b.getExpressionInfo(e) as unknown as Record<string, unknown>;
    for (const key of ['children', 'operands']) if (Array.isArray(info[key])) for (const c of info[key] as ExpressionRef[]) visit(c);
    for (const key of ['condition', 'ifTrue', 'ifFalse', 'body', 'value', 'ptr', 'left', 'right', 'delta', 'dest', 'source', 'size']) {
      if (typeof info[key] === 'number') visit(info[key] as ExpressionRef);
    }
  };
  for (let i = 0; i < mod.getNumFunctions(); i++) visit(b.getFunctionInfo(mod.getFunctionByIndex(i)).body);
}
