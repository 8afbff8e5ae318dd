/** What a command may touch: injected so tests run commands in-process. */
export interface CommandIo {
  stdin: NodeJS.ReadableStream;
  /**
   * Writes to stdout. A promise when the reader is behind: a command that prints a lot awaits it, so
   * what waits for the reader stays bounded (`triage redact big.log | slow-reader`).
   */
  stdout: (text: string) => void | Promise<void>;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
}

/** What a write to an output whose reader has gone throws: the command stops, quietly (exit 0). */
export class OutputClosedError extends Error {
  override readonly name = 'OutputClosedError';
  readonly code = 'EPIPE';
}

/**
 * `stream` as CommandIo's stdout: a write that fills the stream's buffer returns a promise of the
 * 'drain' (or of the stream's end); a write to a stream that has ended or failed throws an EPIPE error.
 */
export function writerOf(stream: NodeJS.WritableStream): (text: string) => void | Promise<void> {
  return (text) => {
    if ((stream as { destroyed?: boolean }).destroyed || !stream.writable)
      throw new OutputClosedError('the output was closed');
    if (stream.write(text)) return;
    return new Promise<void>((resolve) => {
      const done = () => {
        stream.off('drain', done);
        stream.off('close', done);
        stream.off('error', done);
        resolve();
      };
      stream.on('drain', done);
      stream.on('close', done);
      stream.on('error', done);
    });
  };
}
