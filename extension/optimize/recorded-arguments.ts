// Why a recording gave the compiler no parameter types, said in the refusal (the optimize flow adds it).

/** Why recorded calls gave the compiler no parameter types: the first argument whose values it does not take. */
export function unusableRecordedArgument(calls: readonly { args: readonly unknown[] }[], arity: number): string | undefined {
  const what = (v: unknown): string | undefined => {
    if (typeof v === 'number' || typeof v === 'boolean') return undefined;
    if (Array.isArray(v)) return v.every((x) => typeof x === 'number') ? undefined : 'an array holding values that are not numbers';
    if (ArrayBuffer.isView(v)) return /^Big/.test(v.constructor.name) ? `a ${v.constructor.name}` : undefined;
    if (v === null) return 'null';
    if (typeof v === 'object') return 'an object';
    return `a ${typeof v}`;
  };
  for (let i = 0; i < arity; i++) {
    for (const c of calls) {
      const w = what(c.args[i]);
      if (w) return `the program passes ${w} as argument ${i + 1}, and compiled code takes only numbers, booleans, typed arrays and arrays of numbers`;
    }
  }
  return undefined;
}
