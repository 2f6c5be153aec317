// A tiny function called very often: a 3-tap filter applied one sample at a time from a loop in the caller.
// Compiling the leaf alone pays a call into compiled code per sample; the whole program is what tells.
function tap(a, b, c) {
  return 0.25 * a + 0.5 * b + 0.25 * c;
}

const n = 4000000;
const x = new Float64Array(n);
for (let i = 0; i < n; i++) x[i] = Math.sin(i * 0.001);
const y = new Float64Array(n);
for (let pass = 0; pass < 20; pass++) {
  for (let i = 1; i < n - 1; i++) y[i] = tap(x[i - 1], x[i], x[i + 1]);
  x.set(y);
}
let s = 0;
for (let i = 0; i < n; i++) s += x[i];
console.log(s.toFixed(6));
