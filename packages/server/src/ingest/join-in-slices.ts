import { SLICE_MS, SLICED_BODY_BYTES, timeSlices } from './time-slices.js';

/**
 * `chunks` (of `size` bytes together) in one buffer, copied a slice of time at a time: joined in one
 * go, the 85 MiB of a large decompressed batch held every other request for about a tenth of a second
 * (bench/README.md, "Joining a decompressed body in slices"). `sliceMs`: how long each slice copies.
 */
export async function joinInSlices(chunks: Buffer[], size: number, sliceMs = SLICE_MS): Promise<Buffer> {
  if (chunks.length === 1) return chunks[0]!;
  if (size <= SLICED_BODY_BYTES) return Buffer.concat(chunks, size);
  const joined = Buffer.allocUnsafe(size);
  const slices = timeSlices(sliceMs);
  let offset = 0;
  for (const chunk of chunks) {
    if (slices.due()) await slices.pause();
    offset += chunk.copy(joined, offset);
  }
  return joined;
}
