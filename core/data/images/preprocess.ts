// Decoded pixels to model input: values in [0, 1], optionally grey, resized by area averaging, float32 channels-last.
import type { DecodedImage } from './decode.ts';

export interface ImagePreprocessing {
  height: number;
  width: number;
  channels: 1 | 3;
}

/**
 * 1-D area-averaging weights from `from` samples to `to`: output o covers [o·s, (o+1)·s) with s = from / to, and takes
 * each input sample with weight (overlap of its unit interval with that span) / s. Area averaging as OpenCV's
 * INTER_AREA for shrinking (https://docs.opencv.org/4.x/da/d54/group__imgproc__transform.html); enlarging uses the
 * same overlap rule, which is nearest-neighbour except at pixel borders.
 */
export function areaWeights(from: number, to: number): { start: number; weights: number[] }[] {
  const scale = from / to;
  const out: { start: number; weights: number[] }[] = [];
  for (let o = 0; o < to; o++) {
    const lo = o * scale;
    const hi = (o + 1) * scale;
    const start = Math.floor(lo);
    const end = Math.min(from, Math.ceil(hi - 1e-12));
    const weights: number[] = [];
    for (let s = start; s < end; s++) weights.push((Math.min(s + 1, hi) - Math.max(s, lo)) / scale);
    out.push({ start, weights });
  }
  return out;
}

/**
 * One image as `height × width × channels` float32 values, channels-last (HWC, row-major): byte / 255, then grey as
 * ITU-R BT.601 luma Y = 0.299 R + 0.587 G + 0.114 B (Rec. ITU-R BT.601-7, section 2.5.1) when channels is 1, then
 * area-averaged to the target size, separably (rows, then columns) in float64. Alpha is ignored.
 */
export function preprocessImage(image: DecodedImage, target: ImagePreprocessing): Float32Array {
  const { width: w0, height: h0, rgba } = image;
  const { width: w1, height: h1, channels } = target;
  const planes: Float64Array[] = [];
  if (channels === 1) {
    const grey = new Float64Array(w0 * h0);
    for (let p = 0; p < w0 * h0; p++)
      grey[p] = (0.299 * rgba[p * 4]! + 0.587 * rgba[p * 4 + 1]! + 0.114 * rgba[p * 4 + 2]!) / 255;
    planes.push(grey);
  } else {
    for (let c = 0; c < 3; c++) {
      const plane = new Float64Array(w0 * h0);
      for (let p = 0; p < w0 * h0; p++) plane[p] = rgba[p * 4 + c]! / 255;
      planes.push(plane);
    }
  }
  const across = areaWeights(w0, w1);
  const down = areaWeights(h0, h1);
  const out = new Float32Array(h1 * w1 * channels);
  const rowsResized = new Float64Array(h0 * w1);
  planes.forEach((plane, c) => {
    for (let y = 0; y < h0; y++) {
      for (let x = 0; x < w1; x++) {
        const { start, weights } = across[x]!;
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += weights[k]! * plane[y * w0 + start + k]!;
        rowsResized[y * w1 + x] = sum;
      }
    }
    for (let y = 0; y < h1; y++) {
      const { start, weights } = down[y]!;
      for (let x = 0; x < w1; x++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += weights[k]! * rowsResized[(start + k) * w1 + x]!;
        out[(y * w1 + x) * channels + c] = Math.min(1, Math.max(0, sum));
      }
    }
  });
  return out;
}
