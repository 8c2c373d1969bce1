import { PNG } from 'pngjs';

/**
 * Decodes a PNG with pngjs, which checks the signature, every chunk's CRC and the image data, and
 * throws on any fault: a successful decode proves the bytes are a valid PNG. Pixels are RGBA.
 */
export function decodePng(buf: Buffer): { width: number; height: number; pixels: Buffer } {
  const png = PNG.sync.read(buf, { checkCRC: true });
  return { width: png.width, height: png.height, pixels: png.data };
}

type Rgb = readonly [number, number, number];

/** Pixels within `tolerance` of `rgb` in every channel (antialiased edges blend, fills don't). */
export function countColour(pixels: Buffer, rgb: Rgb, tolerance = 0): number {
  let n = 0;
  for (let i = 0; i < pixels.length; i += 4)
    if (
      Math.abs((pixels[i] ?? 0) - rgb[0]) <= tolerance &&
      Math.abs((pixels[i + 1] ?? 0) - rgb[1]) <= tolerance &&
      Math.abs((pixels[i + 2] ?? 0) - rgb[2]) <= tolerance
    )
      n++;
  return n;
}

/** Pixels that are not (near-)white: ink, not background. */
export function countInk(pixels: Buffer): number {
  let n = 0;
  for (let i = 0; i < pixels.length; i += 4)
    if ((pixels[i] ?? 255) < 250 || (pixels[i + 1] ?? 255) < 250 || (pixels[i + 2] ?? 255) < 250) n++;
  return n;
}

export const hexRgb = (hex: string): Rgb => [
  Number.parseInt(hex.slice(1, 3), 16),
  Number.parseInt(hex.slice(3, 5), 16),
  Number.parseInt(hex.slice(5, 7), 16),
];
