import { describe, expect, it } from 'vitest';
import { parseErrorText } from './parse-error-text.js';

// Each trace below was printed by the runtime on this machine (Node 20, Python 3.11, Go 1.19, Java 17).
const lines = (text: string) => text.split('\n');

describe('parseErrorText', () => {
  it('should read a Node error with its [cause]', () => {
    const error = parseErrorText(
      lines(`Error: could not load order 42
    at outer ([eval]:3:53)
    at [eval]:4:1
    ... 5 lines matching cause stack trace ...
    at node:internal/main/eval_string:51:3 {
  [cause]: Error: connect ECONNREFUSED 127.0.0.1:5432
      at inner ([eval]:2:25)
      at outer ([eval]:3:25)
}`),
    );
    expect(error).toMatchObject({ type: 'Error', message: 'could not load order 42' });
    expect(error?.frames?.map((frame) => frame.function)).toEqual(['outer', undefined, undefined]);
    expect(error?.frames?.[2]).toMatchObject({
      file: 'node:internal/main/eval_string',
      line: 51,
      inApp: false,
    });
    expect(error?.cause).toMatchObject({ type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:5432' });
    expect(error?.cause?.frames?.map((frame) => frame.function)).toEqual(['inner', 'outer']);
  });

  it('should read a Java exception with its Caused by chain', () => {
    const error = parseErrorText(
      lines(`Exception in thread "main" java.lang.RuntimeException: order failed for id 42
\tat Main.service(Main.java:3)
\tat Main.main(Main.java:4)
Caused by: java.lang.IllegalStateException: pool closed
\tat Main.repo(Main.java:2)
\t... 2 more`),
    );
    expect(error).toMatchObject({ type: 'java.lang.RuntimeException', message: 'order failed for id 42' });
    expect(error?.frames?.map((frame) => frame.function)).toEqual(['Main.service', 'Main.main']);
    expect(error?.cause).toMatchObject({ type: 'java.lang.IllegalStateException', message: 'pool closed' });
    expect(error?.cause?.frames?.[0]).toMatchObject({ function: 'Main.repo', file: 'Main.java', line: 2 });
  });

  it('should read a chained Python traceback, innermost frame first, the cause attached', () => {
    const error = parseErrorText(
      lines(`Traceback (most recent call last):
  File "/tmp/pe/a.py", line 6, in handler
    load("<html>")
  File "/tmp/pe/a.py", line 3, in load
    return json.loads(s)
           ^^^^^^^^^^^^^
  File "/root/.pyenv/versions/3.11.7/lib/python3.11/json/decoder.py", line 355, in raw_decode
    raise JSONDecodeError("Expecting value", s, err.value) from None
json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/tmp/pe/a.py", line 9, in <module>
    handler()
  File "/tmp/pe/a.py", line 8, in handler
    raise RuntimeError("config unreadable") from e
RuntimeError: config unreadable`),
    );
    expect(error).toMatchObject({ type: 'RuntimeError', message: 'config unreadable' });
    expect(error?.frames?.map((frame) => frame.function)).toEqual(['handler', '<module>']);
    expect(error?.cause).toMatchObject({
      type: 'json.decoder.JSONDecodeError',
      message: 'Expecting value: line 1 column 1 (char 0)',
    });
    expect(error?.cause?.frames?.map((frame) => [frame.function, frame.inApp])).toEqual([
      ['raw_decode', false],
      ['load', true],
      ['handler', true],
    ]);
  });

  it('should read a Go panic with its goroutine frames', () => {
    const error = parseErrorText(
      lines(`panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x457c62]

goroutine 1 [running]:
main.handler(...)
\t/tmp/pe/main.go:7
main.main()
\t/tmp/pe/main.go:9 +0x2
exit status 2`),
    );
    expect(error).toMatchObject({
      type: 'runtime error',
      message: 'invalid memory address or nil pointer dereference',
    });
    expect(error?.frames).toEqual([
      { function: 'main.handler', file: '/tmp/pe/main.go', line: 7, inApp: true },
      { function: 'main.main', file: '/tmp/pe/main.go', line: 9, inApp: true },
    ]);
  });

  it("should read a stack whose header follows a logger's timestamp and level", () => {
    for (const prefix of [
      '2026-01-05T10:00:00.000Z ERROR ',
      '[2026-01-05 10:00:00] ERROR: ',
      '2026/01/05 10:00:00 ',
    ]) {
      const error = parseErrorText([
        '2026-01-05T09:59:59.000Z INFO GET /users/7',
        `${prefix}TypeError: Cannot read properties of undefined (reading 'id')`,
        '    at getUser (/app/src/users.js:10:5)',
        '    at async handle (/app/src/router.js:40:5)',
      ]);
      expect(error, prefix).toMatchObject({
        type: 'TypeError',
        message: "Cannot read properties of undefined (reading 'id')",
      });
      expect(error?.frames?.map((frame) => frame.function)).toEqual(['getUser', 'handle']);
    }
    // A collector that stamps every line (docker logs --timestamps) stamps the frames too.
    const stamped = parseErrorText([
      '2026-01-05T10:00:00.000000001Z Error: pool closed',
      '2026-01-05T10:00:00.000000002Z     at Pool.connect (/app/src/db.js:3:9)',
    ]);
    expect(stamped?.frames?.map((frame) => frame.function)).toEqual(['Pool.connect']);
  });

  it('should take a prefixed header only with frames, and a bare one first', () => {
    // Without frames it is a logged line like any other, often a wrapper: the offline rules read the log.
    expect(parseErrorText(['2026-01-05T10:00:00Z ERROR RequestError: request failed'])).toBeUndefined();
    const error = parseErrorText([
      '2026-01-05T10:00:00Z WARN DeprecationWarning: Buffer() is deprecated',
      '    at showFlaggedDeprecation (node:buffer:1:1)',
      'RangeError: Invalid time value',
      '    at schedule (/app/src/reminders.js:8:3)',
    ]);
    expect(error).toMatchObject({ type: 'RangeError', message: 'Invalid time value' });
  });

  it('should not give a prefixed header the frames of a later, unrelated error', () => {
    // The wrapper logged first, then other lines, then another error's stack: that stack is not the
    // wrapper's, and the offline rules (ECONNREFUSED) keep reading the log.
    expect(
      parseErrorText([
        '2026-01-05T10:00:00.000Z ERROR RequestError: request failed reqId=req-1',
        '2026-01-05T10:00:00.001Z ERROR connect ECONNREFUSED 127.0.0.1:5432',
        '2026-01-05T10:00:00.002Z DEBUG trace',
        '    at Object.<anonymous> (/app/src/metrics.js:3:1)',
      ]),
    ).toBeUndefined();
    const error = parseErrorText([
      '2026-01-05T10:00:00.000Z ERROR RequestError: request failed reqId=req-1',
      '2026-01-05T10:00:00.001Z INFO retrying',
      "2026-01-05T10:00:00.003Z ERROR TypeError: Cannot read properties of undefined (reading 'id')",
      '    at getUser (/app/src/users.js:10:5)',
    ]);
    expect(error).toMatchObject({ type: 'TypeError', frames: [{ function: 'getUser' }] });
  });

  it("should read Node's error code in brackets after the type", () => {
    const error = parseErrorText(
      lines(`TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string. Received undefined
    at Object.open (node:fs:581:10)
    at loadConfig (/app/src/config.js:4:6)`),
    );
    expect(error).toMatchObject({
      type: 'TypeError',
      message: 'The "path" argument must be of type string. Received undefined',
    });
    expect(error?.frames?.map((frame) => frame.function)).toEqual(['Object.open', 'loadConfig']);
  });

  it('should find nothing in ordinary lines', () => {
    expect(parseErrorText(['INFO started', 'GET /health 200 3ms'])).toBeUndefined();
  });
});
