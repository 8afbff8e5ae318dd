import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { startServeProcess } from '../test/serve-process.js';

const bin = fileURLToPath(new URL('../../bin/triage.js', import.meta.url));
const KEY = 's'.repeat(32);
let child: ChildProcess | undefined;
afterAll(() => child?.kill('SIGKILL'));

/** JSON of `count` tiny objects in one array: gzip makes 40 MiB of it about 60 KiB. */
const manyObjects = (count: number) => gzipSync(`[${'{"a":1},'.repeat(count - 1)}{"a":1}]`);

describe('a server with a small heap (a container of 256 MiB, say)', () => {
  it('should refuse a small gzip body that inflates to millions of objects, and stay up', async () => {
    // Node sizes its heap from the container's memory; 128 MiB stands for a small one.
    const server = await startServeProcess(
      process.execPath,
      ['--max-old-space-size=128', bin, 'serve', '--port', '0', '--host', '127.0.0.1'],
      {
        env: {
          TRIAGE_DATABASE_URL: join(mkdtempSync(join(tmpdir(), 'triage-heap-')), 'triage.db'),
          TRIAGE_ADMIN_TOKEN: 'admin',
          TRIAGE_DEFAULT_PROJECT_KEY: KEY,
        },
      },
    );
    child = server.child;
    // 5 million objects, 40 MiB of JSON: under the byte limits, and parsed, several times the heap.
    const body = manyObjects(5_000_000);
    expect(body.length).toBeLessThan(1024 * 1024);
    const answer = await fetch(`${server.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'x-triage-key': KEY, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
    });
    expect(answer.status).toBe(413);
    expect(((await answer.json()) as { error: string }).error).toMatch(/too many JSON values/);

    const event = await fetch(`${server.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'x-triage-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ log: ['ERROR: still here'] }),
    });
    expect(event.status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  }, 30_000);
});
