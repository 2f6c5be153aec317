// A scripted zoom and pan run inside a flame graph page, shared by the end-to-end test and the views preview.

/**
 * Runs in the page on a canvas: 90 animation frames of ctrl+wheel zoom in, shift+wheel pan, zoom out, two
 * wheel events per frame; returns the frame intervals and the draw times the page noted meanwhile. No function is
 * named inside it: the test's compiler would wrap a named one in a helper the page does not have.
 */
export const wheelFrames = async (canvas: HTMLCanvasElement): Promise<{ frames: number[]; draws: number[] }> => {
  const times = (window as unknown as { perfLabDrawTimes: number[] }).perfLabDrawTimes;
  const before = times.length;
  const r = canvas.getBoundingClientRect();
  const frames: number[] = [];
  let last = performance.now();
  for (let i = 0; i < 90; i++) {
    const zoom = i < 30 || i >= 60;
    for (let k = 0; k < 2; k++) {
      canvas.dispatchEvent(
        new WheelEvent('wheel', {
          deltaY: zoom ? (i < 30 ? -30 : 30) : 40,
          ctrlKey: zoom,
          shiftKey: !zoom,
          clientX: r.left + r.width / 3,
          clientY: r.top + 40,
          bubbles: true,
          cancelable: true,
        }),
      );
    }
    const t = await new Promise<number>((resolve) => requestAnimationFrame(resolve));
    frames.push(t - last);
    last = t;
  }
  await new Promise<number>((resolve) => requestAnimationFrame(resolve));
  return { frames: frames.slice(1), draws: times.slice(before) };
};
