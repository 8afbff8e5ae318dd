/**
 * Bytes copied into a joined body between two turns of the event loop. Joined in one go, the 85 MiB
 * of a large decompressed batch held every other request for about a tenth of a second
 * (bench/README.md, "Joining a decompressed body in slices").
 */
const JOIN_SLICE_BYTES = 4 * 1024 * 1024;

/** `chunks` (of `size` bytes together) in one buffer, the event loop turning every JOIN_SLICE_BYTES copied. */
export async function joinInSlices(chunks: Buffer[], size: number): Promise<Buffer> {
  if (chunks.length === 1) return chunks[0]!;
  if (size <= JOIN_SLICE_BYTES) return Buffer.concat(chunks, size);
  const joined = Buffer.allocUnsafe(size);
  let offset = 0;
  let sinceTurn = 0;
  for (const chunk of chunks) {
    if (sinceTurn >= JOIN_SLICE_BYTES) {
      sinceTurn = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
    offset += chunk.copy(joined, offset);
    sinceTurn += chunk.length;
  }
  return joined;
}
