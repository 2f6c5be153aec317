// Counting primes by trial division with integer arithmetic JavaScript holds in doubles, sized to run 1-3 s.
function countPrimes(limit) {
  let count = 0;
  for (let k = 2; k < limit; k++) {
    let prime = true;
    for (let d = 2; d * d <= k; d++) {
      if (k % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

const limit = Number(process.argv[2] || 5000000);
console.log(`primes below ${limit}: ${countPrimes(limit)}`);
