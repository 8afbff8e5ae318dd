import { describe, expect, it } from 'vitest';
import { LineSplitter } from './split-lines.js';

describe('LineSplitter', () => {
  it('should give each line with its own end, a character or a line cut between reads whole', () => {
    const splitter = new LineSplitter();
    const bytes = Buffer.from('a\r\nb\ncaf\u00e9 1\r2\n\nlast');
    const cut = bytes.indexOf(0xa9);
    expect([
      ...splitter.push(bytes.subarray(0, cut)),
      ...splitter.push(bytes.subarray(cut)),
      ...splitter.end(),
    ]).toEqual([
      { text: 'a', end: '\r\n' },
      { text: 'b', end: '\n' },
      { text: 'caf\u00e9 1\r2', end: '\n' },
      { text: '', end: '\n' },
      { text: 'last', end: '' },
    ]);
    expect(new LineSplitter().end()).toEqual([]);
  });

  it('should drop a line past its cap as it comes, and go on with the next', () => {
    const splitter = new LineSplitter(4);
    expect([
      ...splitter.push(Buffer.from('abc')),
      ...splitter.push(Buffer.from('defgh')),
      ...splitter.push(Buffer.from('ij\nok\n12345')),
      ...splitter.end(),
    ]).toEqual([
      { text: '', end: '\n', tooLong: true },
      { text: 'ok', end: '\n' },
      { text: '', end: '', tooLong: true },
    ]);
  });
});
