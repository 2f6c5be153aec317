// A planetary n-body simulation over an array of body objects with numeric fields, the way JetStream-era
// benchmarks write it: advance() walks pairs of objects and updates their fields. Sized to run 1-3 s.
var PI = Math.PI,
  SOLAR_MASS = 4 * PI * PI,
  DAYS_PER_YEAR = 365.24;

function body(x, y, z, vx, vy, vz, mass) {
  return { x: x, y: y, z: z, vx: vx * DAYS_PER_YEAR, vy: vy * DAYS_PER_YEAR, vz: vz * DAYS_PER_YEAR, mass: mass * SOLAR_MASS };
}

function advance(bodies, dt) {
  var n = bodies.length;
  for (var i = 0; i < n; i++) {
    var bi = bodies[i];
    for (var j = i + 1; j < n; j++) {
      var bj = bodies[j];
      var dx = bi.x - bj.x,
        dy = bi.y - bj.y,
        dz = bi.z - bj.z;
      var d2 = dx * dx + dy * dy + dz * dz;
      var mag = dt / (d2 * Math.sqrt(d2));
      bi.vx -= dx * bj.mass * mag;
      bi.vy -= dy * bj.mass * mag;
      bi.vz -= dz * bj.mass * mag;
      bj.vx += dx * bi.mass * mag;
      bj.vy += dy * bi.mass * mag;
      bj.vz += dz * bi.mass * mag;
    }
  }
  for (var k = 0; k < n; k++) {
    var b = bodies[k];
    b.x += dt * b.vx;
    b.y += dt * b.vy;
    b.z += dt * b.vz;
  }
}

function energy(bodies) {
  var e = 0;
  for (var i = 0; i < bodies.length; i++) {
    var b = bodies[i];
    e += 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz);
    for (var j = i + 1; j < bodies.length; j++) {
      var c = bodies[j];
      var dx = b.x - c.x,
        dy = b.y - c.y,
        dz = b.z - c.z;
      e -= (b.mass * c.mass) / Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

var bodies = [
  body(0, 0, 0, 0, 0, 0, 1),
  body(4.84, -1.16, -0.1, 1.66e-3, 7.7e-3, -6.9e-5, 9.55e-4),
  body(8.34, 4.12, -0.4, -2.77e-3, 5.0e-3, 2.3e-5, 2.86e-4),
  body(12.89, -15.11, -0.22, 2.96e-3, 2.38e-3, -2.96e-5, 4.37e-5),
  body(15.38, -25.92, 0.18, 2.68e-3, 1.63e-3, -9.52e-5, 5.15e-5),
];
var steps = Number(process.argv[2] || 8000000);
console.log(energy(bodies).toFixed(9));
for (var s = 0; s < steps; s++) advance(bodies, 0.01);
console.log(energy(bodies).toFixed(9));
