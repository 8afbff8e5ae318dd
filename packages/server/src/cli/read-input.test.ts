import { EventEmitter } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { until } from '@triage/engine/test';
import { describe, expect, it } from 'vitest';
import { collectGarbage, heldBytes } from '../test/held-memory.js';
import { LongLine, readInput, readLines } from './read-input.js';

const MB = 1024 * 1024;
const LINE = 'INFO request served in 12ms for user 42 on path /api/orders/list\n';

describe('readInput of an input larger than 50 MB', () => {
  it('should keep its last 50 MB from a line start, say once what it left out, and hold no more while reading', async () => {
    const chunk = Buffer.from(LINE.repeat(Math.floor(MB / LINE.length)));
    const chunks = 150;
    const last = '[2025-11-18 14:32:15] ERROR: Connection pool exhausted (10/10 connections active)\n';
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    // Made as it is read: the source holds nothing, what is held is the reader's.
    function* source() {
      for (let index = 0; index < chunks; index++) {
        if (index % 10 === 9) {
          collectGarbage();
          peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
        }
        yield Buffer.from(chunk);
      }
      yield Buffer.from(last);
    }
    const notices: string[] = [];
    const text = await readInput(undefined, Readable.from(source()), {
      notice: (notice) => notices.push(notice),
    });
    const total = chunk.length * chunks + last.length;
    const kept = Buffer.byteLength(text);
    expect(kept).toBeLessThanOrEqual(50 * MB);
    expect(kept).toBeGreaterThan(50 * MB - LINE.length);
    expect(text.startsWith(LINE)).toBe(true);
    expect(text.endsWith(last)).toBe(true);
    expect(notices).toEqual([
      `triage: the input is larger than 50 MB: its first ${((total - kept) / MB).toFixed(1)} MB were left out\n`,
    ]);
    // Everything, held until the end and then cut, was 150 MB.
    expect(peak).toBeLessThan(100 * MB);
  });

  it('should refuse a compressed input by its first bytes, not by what is left of it', async () => {
    const gzip = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(60 * MB, 0x41)]);
    await expect(readInput(undefined, Readable.from([gzip]))).rejects.toThrow(/looks compressed \(gzip\)/);
  });
});

describe('readInput at Ctrl-C', () => {
  it('should stop reading a pipe that does not end once something came, go on with it, and let a later Ctrl-C end the process', async () => {
    const interrupts = new EventEmitter();
    const stdin = new PassThrough();
    const notices: string[] = [];
    const reading = readInput(undefined, stdin, { interrupts, notice: (notice) => notices.push(notice) });
    // Before anything came, Ctrl-C ends the process as it always has (exit 130).
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(interrupts.listenerCount('SIGINT')).toBe(0);
    stdin.write('ERROR: Connection pool exhausted (10/10 connections active)\n');
    expect(await until(() => interrupts.listenerCount('SIGINT') === 1)).toBe(true);
    interrupts.emit('SIGINT');
    // npx passes its copy on: the same Ctrl-C, not a second.
    interrupts.emit('SIGINT');
    expect(await reading).toBe('ERROR: Connection pool exhausted (10/10 connections active)\n');
    expect(notices).toEqual(['triage: the input was cut short by Ctrl-C: going on with what was read\n']);
    expect(stdin.destroyed).toBe(true);
    expect(await until(() => interrupts.listenerCount('SIGINT') === 0, 3_000)).toBe(true);
  });

  it('should leave Ctrl-C alone once the input has ended', async () => {
    const interrupts = new EventEmitter();
    const text = await readInput(undefined, Readable.from([Buffer.from('ERROR: boom\n')]), { interrupts });
    expect(text).toBe('ERROR: boom\n');
    expect(interrupts.listenerCount('SIGINT')).toBe(0);
  });
});

describe('readLines (--jsonl)', () => {
  // readInput's tail left out the start of a JSONL file larger than 50 MB: its events, with exit 0.
  it('should give every line of an input larger than 50 MB, holding about one read of it', async () => {
    const lines = Math.floor(MB / LINE.length);
    const chunk = Buffer.from(LINE.repeat(lines).replaceAll('\n', '\r\n'));
    const chunks = 60;
    const before = heldBytes();
    let peak = 0;
    function* source() {
      for (let index = 0; index < chunks; index++) {
        if (index % 10 === 9) peak = Math.max(peak, heldBytes() - before);
        yield Buffer.from(chunk);
      }
      yield Buffer.from('last');
    }
    let count = 0;
    let other: string | LongLine | undefined;
    for await (const line of readLines(undefined, Readable.from(source()))) {
      count++;
      if (line !== LINE.trimEnd()) other = line;
    }
    expect(count).toBe(lines * chunks + 1);
    expect(other).toBe('last');
    // All of it, held, was 60 MB and more.
    expect(peak).toBeLessThan(16 * MB);
  });

  it('should give no line of an input that is not text', async () => {
    const given: (string | LongLine)[] = [];
    const gzip = Buffer.concat([
      Buffer.from([0x1f, 0x8b, 0x08, 0x00]),
      Buffer.from('{"a":1}\n'.repeat(2_000)),
    ]);
    await expect(
      (async () => {
        for await (const line of readLines(undefined, Readable.from([gzip]))) given.push(line);
      })(),
    ).rejects.toThrow(/looks compressed \(gzip\)/);
    expect(given).toEqual([]);
  });

  it('should stop reading a pipe at Ctrl-C and give the lines that came', async () => {
    const interrupts = new EventEmitter();
    const stdin = new PassThrough();
    const notices: string[] = [];
    const given: (string | LongLine)[] = [];
    const reading = (async () => {
      const lines = readLines(undefined, stdin, { interrupts, notice: (notice) => notices.push(notice) });
      for await (const line of lines) given.push(line);
    })();
    stdin.write('{"a":1}\n{"b":2}\n{"c"');
    expect(await until(() => interrupts.listenerCount('SIGINT') === 1)).toBe(true);
    interrupts.emit('SIGINT');
    interrupts.emit('SIGINT');
    await reading;
    expect(given).toEqual(['{"a":1}', '{"b":2}', '{"c"']);
    expect(notices).toEqual(['triage: the input was cut short by Ctrl-C: going on with what was read\n']);
    expect(stdin.destroyed).toBe(true);
  });
});

describe('readLines of a live pipe', () => {
  // `(echo '{…}'; sleep 3; echo '{…}') | triage fingerprint --jsonl` answered both at the end: the first
  // lines waited for 8 KiB of input to judge it by.
  it('should give each line as it comes, judging the input by what came when it paused', async () => {
    const stdin = new PassThrough();
    const given: (string | LongLine)[] = [];
    const reading = (async () => {
      for await (const line of readLines(undefined, stdin)) given.push(line);
    })();
    stdin.write('{"log":["TypeError: x"]}\n{"log"');
    expect(await until(() => given.length === 1)).toBe(true);
    expect(given).toEqual(['{"log":["TypeError: x"]}']);
    stdin.end(':["RangeError: y"]}\n');
    await reading;
    expect(given).toEqual(['{"log":["TypeError: x"]}', '{"log":["RangeError: y"]}']);
  });

  it('should give no line of a live pipe that is not text, judged when it paused', async () => {
    const stdin = new PassThrough();
    const given: (string | LongLine)[] = [];
    const reading = (async () => {
      for await (const line of readLines(undefined, stdin)) given.push(line);
    })();
    stdin.write(Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from('{"a":1}\n')]));
    await expect(reading).rejects.toThrow(/looks compressed \(gzip\)/);
    expect(given).toEqual([]);
    expect(stdin.destroyed).toBe(true);
  });
});

describe('readLines of a line longer than it holds', () => {
  // One line of 700 MB with no end (`head -c 700000000 /dev/zero | tr '\0' a`) ended in "Invalid
  // string length" at about 800 MB held.
  it('should give a LongLine for it, hold none of its rest, and go on at the next line', async () => {
    const maxLineBytes = 1_000;
    const long = 'a'.repeat(700);
    const chunks = [
      '{"a":1}\n',
      long,
      long,
      long,
      `${long}\n{"b":2}\n`,
      `${'b'.repeat(1_500)}\n{"c":3}\n${'c'.repeat(1_500)}\n{"d":4}\n`,
      long,
      long,
    ];
    const given: (string | LongLine)[] = [];
    for await (const line of readLines(undefined, Readable.from(chunks.map((chunk) => Buffer.from(chunk))), {
      maxLineBytes,
    }))
      given.push(line);
    expect(given).toEqual([
      '{"a":1}',
      new LongLine(maxLineBytes),
      '{"b":2}',
      new LongLine(maxLineBytes),
      '{"c":3}',
      new LongLine(maxLineBytes),
      '{"d":4}',
      new LongLine(maxLineBytes),
    ]);
  });

  it('should hold about one read of a line of 200 MB with no end', async () => {
    const before = heldBytes();
    let peak = 0;
    const chunk = Buffer.alloc(MB, 'a');
    function* source() {
      for (let index = 0; index < 200; index++) {
        if (index % 50 === 49) peak = Math.max(peak, heldBytes() - before);
        yield chunk;
      }
    }
    const given: (string | LongLine)[] = [];
    for await (const line of readLines(undefined, Readable.from(source()), { maxLineBytes: 4 * MB }))
      given.push(line);
    expect(given).toEqual([new LongLine(4 * MB)]);
    expect(peak).toBeLessThan(16 * MB);
  });
});
