import { describe, expect, it } from 'vitest';
import { runCli as run } from '../test/run-cli.js';

const LINE = JSON.stringify({
  level: 50,
  time: 1763476335000,
  pid: 7,
  hostname: 'api-7d9f',
  msg: 'connect ECONNREFUSED 10.0.0.7:5432',
});

describe('triage fingerprint of a structured logger’s JSON', () => {
  it('should key one pino line as the log of that line (it was refused), with --jsonl too', async () => {
    const asLog = await run(['fingerprint'], { stdin: JSON.stringify({ log: [LINE] }) });
    expect(asLog.code).toBe(0);
    expect(await run(['fingerprint'], { stdin: LINE })).toEqual(asLog);
    const lines = await run(['fingerprint', '--jsonl'], { stdin: `${LINE}\n` });
    expect(lines).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(lines.stdout)).toEqual({ line: 1, ...JSON.parse(asLog.stdout) });
  });

  it('should key records printed over several lines (`jq .`) as their JSON lines', async () => {
    const records = [JSON.stringify({ level: 30, msg: 'GET /orders/12' }), LINE];
    const jsonLines = await run(['fingerprint'], { stdin: records.join('\n') });
    const pretty = await run(['fingerprint'], {
      stdin: records.map((record) => JSON.stringify(JSON.parse(record), null, 2)).join('\n'),
    });
    expect(jsonLines.code).toBe(0);
    expect(pretty).toEqual(jsonLines);
  });
});
