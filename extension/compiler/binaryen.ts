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
  return F.MutableGlobals | F.NontrappingFPToInt | F.SignExt | F.BulkMemory;
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
  if (!mod.validate()) throw new Error('the optimised WebAssembly module does not validate');
  return { wasm: mod.emitBinary(), wat: mod.emitText(), flags: ['-O3', '--shrink-level=0', '--no-fast-math', `--flexible-inline-max-function-size=${FLEXIBLE_INLINE}`] };
}
