import { readFile } from 'node:fs/promises';
import { InputError } from './input-error.js';

const MAX_INPUT_BYTES = 50 * 1024 * 1024;

/** Reads FILE, or stdin when no file is given (`kubectl logs pod | triage diagnose`). */
export async function readInput(
  file: string | undefined,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<string> {
  let bytes: Buffer;
  if (file && file !== '-') {
    try {
      bytes = await readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputError(
        `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message}`,
      );
    }
  } else {
    if ((stdin as NodeJS.ReadStream).isTTY)
      throw new InputError('no input: give a FILE or pipe a log into stdin');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stdin) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      size += buffer.length;
      if (size > MAX_INPUT_BYTES)
        throw new InputError(`input is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MB`);
      chunks.push(buffer);
    }
    bytes = Buffer.concat(chunks);
  }
  if (bytes.length > MAX_INPUT_BYTES)
    throw new InputError(`input is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MB`);
  const binary = binaryKindOf(bytes.subarray(0, 8192), file && file !== '-' ? file : undefined);
  if (binary) throw new InputError(binary);
  return bytes.toString('utf8');
}

/** Compressed and archive formats by their first bytes, and the command that gives their text. */
const PACKED: { name: string; magic: (bytes: Buffer) => boolean; reader: string }[] = [
  { name: 'gzip', magic: startsWith(0x1f, 0x8b), reader: 'zcat' },
  { name: 'zstd', magic: startsWith(0x28, 0xb5, 0x2f, 0xfd), reader: 'zstdcat' },
  { name: 'xz', magic: startsWith(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00), reader: 'xzcat' },
  // "BZh" and the block size, a digit from 1 to 9.
  {
    name: 'bzip2',
    magic: (bytes) => startsWith(0x42, 0x5a, 0x68)(bytes) && /[1-9]/.test(String.fromCharCode(bytes[3] ?? 0)),
    reader: 'bzcat',
  },
  { name: 'zip', magic: startsWith(0x50, 0x4b, 0x03, 0x04), reader: 'unzip -p' },
];

function startsWith(...magic: number[]): (bytes: Buffer) => boolean {
  return (bytes) => magic.every((byte, index) => bytes[index] === byte);
}

/**
 * Why `sample` (the input's first bytes) is no text log, or undefined when it is one: a compressed
 * file, UTF-16, NULs, or many bytes that are neither UTF-8 nor printable. Tabs, line ends, form feeds
 * and ESC (colours) are text; a few invalid bytes in a log are kept (they are read as U+FFFD).
 */
export function binaryKindOf(sample: Buffer, file: string | undefined): string | undefined {
  const packed = PACKED.find(({ magic }) => magic(sample));
  if (packed)
    return `input looks compressed (${packed.name}), not a log: decompress it first (${packed.reader} ${file ?? 'FILE'} | triage …)`;
  if ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff))
    return `input looks like UTF-16 text: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8 ${file ?? 'FILE'} | triage …)`;
  // NULs: UTF-16 without its mark, or any binary format.
  if (sample.filter((byte) => byte === 0).length > sample.length / 10)
    return 'input looks binary, not a log: nothing to diagnose';
  const text = new TextDecoder('utf-8').decode(sample);
  let unreadable = 0;
  let characters = 0;
  for (const character of text) {
    characters++;
    const code = character.codePointAt(0)!;
    if (code === 0xfffd || (code < 0x20 && !TEXT_CONTROLS.has(code)) || code === 0x7f) unreadable++;
  }
  if (characters > 0 && unreadable > characters * UNREADABLE_SHARE)
    return 'input looks binary, not a log: nothing to diagnose';
  return undefined;
}

/** Control characters that text has: tab, line feed, vertical tab, form feed, carriage return, escape. */
const TEXT_CONTROLS = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1b]);
/**
 * Random bytes (compressed or encrypted data) are about half unreadable; a log with stray bytes, or in
 * Latin-1 with an accented letter in every word, far below.
 */
const UNREADABLE_SHARE = 0.3;

/**
 * Plain lines, a JSON event (`{"log": [...]}` or a full event), a JSON array
 * of lines, or JSON-lines output of a structured logger. Input that opens as a
 * JSON object (`{"…`) but does not parse is refused with the parser's reason
 * (never quoting it: it is not redacted yet); anything else that does not
 * parse is text, `{main} ERROR …` and `[2025-11-18 14:32:15] …` included.
 */
export function parseLogInput(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') throw new InputError('the input is empty: nothing to diagnose');
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return text;
  try {
    return JSON.parse(trimmed);
  } catch (error) {
    const firstLine = trimmed.split('\n', 1)[0]!;
    if (isJson(firstLine)) return text;
    if (JSON_OBJECT_START.test(trimmed)) throw new InputError(notJson(error));
    return text;
  }
}

/** How a JSON object opens: `{`, then a key or `}`. Plain lines in braces open otherwise (`{main}`, `{ts=…}`). */
const JSON_OBJECT_START = /^\{\s*["}]/;

/**
 * "not valid JSON: …" with the parser's reason and position, but none of the input: V8 quotes the text
 * around an unexpected character (`Unexpected token 'b', "bob@corp.io failed" is not valid JSON`), and
 * that text has not been through the redactor.
 */
export function notJson(error: unknown): string {
  const message = String((error as Error)?.message ?? error);
  if (/^Unexpected token\b/.test(message)) return 'not valid JSON: unexpected character';
  if (message.includes('"')) return 'not valid JSON';
  return `not valid JSON: ${message}`;
}

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}
