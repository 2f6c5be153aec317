// Spectral norm in the classic var style (benchmark-game shape), sized to run 1-3 s under Node.
var N = Number(process.argv[2] || 2000);

function A(i, j) {
  return 1 / (((i + j) * (i + j + 1)) / 2 + i + 1);
}

function Au(u, v, n) {
  var i, j, t;
  for (i = 0; i < n; i++) {
    t = 0;
    for (j = 0; j < n; j++) t += A(i, j) * u[j];
    v[i] = t;
  }
}

function Atu(u, v, n) {
  var i, j, t;
  for (i = 0; i < n; i++) {
    t = 0;
    for (j = 0; j < n; j++) t += A(j, i) * u[j];
    v[i] = t;
  }
}

function AtAu(u, v, w, n) {
  Au(u, w, n);
  Atu(w, v, n);
}

var u = new Float64Array(N).fill(1);
var v = new Float64Array(N);
var w = new Float64Array(N);
for (var k = 0; k < 10; k++) {
  AtAu(u, v, w, N);
  AtAu(v, u, w, N);
}
var vBv = 0,
  vv = 0;
for (var i = 0; i < N; i++) {
  vBv += u[i] * v[i];
  vv += v[i] * v[i];
}
console.log(Math.sqrt(vBv / vv).toFixed(9));
