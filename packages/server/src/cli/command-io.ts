/** What a command may touch: injected so tests run commands in-process. */
export interface CommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
}
