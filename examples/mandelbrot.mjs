// The Mandelbrot set as escape counts, one byte per pixel: floating-point arithmetic in a tight loop, an ES module.
// Usage: node mandelbrot.mjs [width] [height] [maxIter] [frames]   (prints how many pixels lie in the set)

/** Escape iteration counts of a width × height view of the set, written into `out`. */
export function mandelbrot(out, width, height, maxIter) {
  for (let py = 0; py < height; py++) {
    const ci = (2 * py) / height - 1;
    for (let px = 0; px < width; px++) {
      const cr = (2.5 * px) / width - 2;
      let zr = 0;
      let zi = 0;
      let k = 0;
      while (k < maxIter && zr * zr + zi * zi <= 4) {
        const t = zr * zr - zi * zi + cr;
        zi = 2 * zr * zi + ci;
        zr = t;
        k++;
      }
      out[py * width + px] = k;
    }
  }
}

const [width = 320, height = 240, maxIter = 200, frames = 20] = process.argv.slice(2).map(Number);
const image = new Uint8Array(width * height);
let inside = 0;
for (let f = 0; f < frames; f++) {
  mandelbrot(image, width, height, maxIter);
  for (let i = 0; i < image.length; i++) if (image[i] === maxIter) inside++;
}
console.log(`${width}×${height}, ${maxIter} iterations, ${frames} frames: ${inside} pixels in the set`);
