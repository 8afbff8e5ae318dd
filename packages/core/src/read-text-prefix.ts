/** What readTextPrefix read: the text of the bytes it kept, and whether it stopped before the end. */
export interface TextPrefix {
  text: string;
  truncated: boolean;
}

/**
 * The UTF-8 text of the first `maxBytes` bytes of a byte stream (an HTTP answer's body, say). It stops
 * reading at the limit and cancels the stream, which lets the sender go: a body of any size costs at
 * most `maxBytes` of memory. Web streams only, no Node API: the caller does the I/O.
 */
export async function readTextPrefix(
  stream: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<TextPrefix> {
  if (!stream) return { text: '', truncated: false };
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let kept = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text: text + decoder.decode(), truncated: false };
      const room = maxBytes - kept;
      if (value.byteLength > room) {
        // A character cut at the limit decodes as U+FFFD: the end of a cut text is marked anyway.
        text += decoder.decode(value.subarray(0, room));
        await reader.cancel();
        return { text, truncated: true };
      }
      kept += value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
}
