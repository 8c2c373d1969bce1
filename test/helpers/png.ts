import { inflateSync } from 'node:zlib';
import { crc32 } from '../../src/digest/png.js';

/** Decodes a PNG far enough to prove it is valid: signature, chunk CRCs, IHDR, IDAT inflating to the right size. */
export function decodePng(buf: Buffer): {
  width: number;
  height: number;
  colourType: number;
  pixels: Buffer;
} {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!buf.subarray(0, 8).equals(sig)) throw new Error('not a PNG signature');
  let off = 8;
  let ihdr: Buffer | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    const crc = buf.readUInt32BE(off + 8 + len);
    if (crc !== crc32(buf, off + 4, off + 8 + len)) throw new Error(`bad CRC in ${type}`);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    if (type === 'IEND') ended = true;
    off += 12 + len;
  }
  if (!ihdr || !ended || idat.length === 0) throw new Error('missing IHDR, IDAT or IEND');
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const colourType = ihdr[9] ?? -1;
  if (ihdr[8] !== 8 || colourType !== 2) throw new Error('expected 8-bit RGB');
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length !== height * (width * 3 + 1)) throw new Error(`IDAT inflates to ${raw.length} bytes`);
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    if (raw[y * (width * 3 + 1)] !== 0) throw new Error('unexpected filter type');
    raw.copy(pixels, y * width * 3, y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1));
  }
  return { width, height, colourType, pixels };
}

export function countColour(pixels: Buffer, rgb: readonly [number, number, number]): number {
  let n = 0;
  for (let i = 0; i < pixels.length; i += 3)
    if (pixels[i] === rgb[0] && pixels[i + 1] === rgb[1] && pixels[i + 2] === rgb[2]) n++;
  return n;
}
