// Edit distances between many pairs of DNA-like words, two rows of the table kept, in classic var style:
// read-only strings, charCodeAt, local typed rows swapped each round. Sized to run 1-3 s.
function editDistance(a, b) {
  var n = a.length,
    m = b.length;
  var prev = new Int32Array(m + 1),
    cur = new Int32Array(m + 1),
    t;
  for (var j = 0; j <= m; j++) prev[j] = j;
  for (var i = 1; i <= n; i++) {
    cur[0] = i;
    var ca = a.charCodeAt(i - 1);
    for (j = 1; j <= m; j++) {
      var cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      var best = prev[j] + 1;
      if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
      if (prev[j - 1] + cost < best) best = prev[j - 1] + cost;
      cur[j] = best;
    }
    t = prev;
    prev = cur;
    cur = t;
  }
  return prev[m];
}

var seed = 12345;
function nextWord(len) {
  var s = '';
  for (var k = 0; k < len; k++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    s += 'acgt'[seed % 4];
  }
  return s;
}

var count = Number(process.argv[2] || 260);
var words = [];
for (var w = 0; w < count; w++) words.push(nextWord(60 + (w % 40)));
var total = 0;
for (var p = 0; p < words.length; p++) for (var q = p + 1; q < words.length; q++) total += editDistance(words[p], words[q]);
console.log('total distance over ' + (count * (count - 1)) / 2 + ' pairs: ' + total);
