import { readFileSync } from 'node:fs';
import { ConfigError } from '@triage/engine';
import { type CommandIo, OutputClosedError, writerOf } from './command-io.js';
import { DIAGNOSE_USAGE, diagnoseCommand } from './diagnose-command.js';
import { EVAL_USAGE, evalCommand } from './eval-command.js';
import { FINGERPRINT_USAGE, fingerprintCommand } from './fingerprint-command.js';
import { InputError } from './input-error.js';
import { PROJECTS_USAGE, projectsCommand } from './projects-command.js';
import { REDACT_USAGE, redactCommand } from './redact-command.js';
import { SERVE_USAGE, serveCommand } from './serve-command.js';

const USAGE = `Usage: triage <command> [options]

Commands:
  serve             run the server: ingest (native and Sentry), REST API, analysis workers
  projects          create, list, limit or rotate the key of projects (their DSNs)
  diagnose [FILE]   explain a log excerpt (file or stdin)
  redact [FILE]     remove personal data and secrets from a log (file or stdin)
  fingerprint [FILE] print the grouping key and issue title of a log or event
  eval [DIR]        score the analyzers on labelled cases (npm run eval)
  version           print the version (also --version, -V)

Run "triage <command> --help" for a command's options.

${SERVE_USAGE}

${PROJECTS_USAGE}

${DIAGNOSE_USAGE}

${REDACT_USAGE}

${FINGERPRINT_USAGE}

${EVAL_USAGE}`;

/**
 * The server package's version. Its package.json is two levels up from this module in the built CLI
 * (dist/cli) as in the source (src/cli), and ships in the npm package with it.
 */
function version(): string {
  return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
}

/**
 * The process's own streams. A reader that goes away (`triage redact big.log | head -1`) ends the
 * command quietly with exit code 0: Node's unhandled EPIPE error printed a stack trace and exited 1.
 * `serve` keeps serving when its log has no reader left.
 */
function processIo(command: string | undefined): CommandIo {
  const keepRunning = command === 'serve';
  for (const [stream, name] of [
    [process.stdout, 'stdout'],
    [process.stderr, 'stderr'],
  ] as const) {
    if (stream.listenerCount('error') > 0) continue;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (keepRunning) return;
      // The reader of stdout is gone: nothing more is wanted. Without stderr, the command's messages are
      // lost, not its work or exit code.
      if (error.code === 'EPIPE') {
        if (name === 'stdout') process.exit(0);
        return;
      }
      if (name === 'stdout') {
        process.stderr.write(`triage: cannot write to stdout: ${error.message}\n`);
        process.exit(1);
      }
    });
  }
  // Writes to a stream that has gone are dropped, not thrown: a server's log lines are not its work.
  const lenient = (stream: NodeJS.WriteStream) => (text: string) => {
    if (!stream.destroyed) stream.write(text);
  };
  return {
    stdin: process.stdin,
    stdout: keepRunning ? lenient(process.stdout) : writerOf(process.stdout),
    stderr: lenient(process.stderr),
    env: process.env,
  };
}

/**
 * The CLI entry point. Returns the exit code: 0 done, 1 internal failure,
 * 2 bad usage or input. Errors are one line, never a stack trace.
 */
export async function main(argv: string[], io: CommandIo = processIo(argv[0])): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(rest, io);
      case 'projects':
        return await projectsCommand(rest, io);
      case 'diagnose':
        return await diagnoseCommand(rest, io);
      case 'redact':
        return await redactCommand(rest, io);
      case 'fingerprint':
        return await fingerprintCommand(rest, io);
      case 'eval':
        return await evalCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        // Asked for, it is the output; given for a missing command, it is the error's (stderr, exit 2).
        if (command === undefined) {
          io.stderr(`${USAGE}\n`);
          return 2;
        }
        io.stdout(`${USAGE}\n`);
        return 0;
      case 'version':
      case '--version':
      case '-V':
        io.stdout(`${version()}\n`);
        return 0;
      default:
        // One line, not the usage: that ran to ~90 lines, the mistake scrolled out of sight above it.
        io.stderr(`triage: unknown command "${command}" (triage --help lists them)\n`);
        return 2;
    }
  } catch (error) {
    // The reader of stdout has gone (in process; the process's own stdout exits at once).
    if (error instanceof OutputClosedError) return 0;
    const usage =
      error instanceof InputError ||
      ConfigError.isInstance(error) ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    io.stderr(`triage: ${(error as Error).message ?? String(error)}\n`);
    return usage ? 2 : 1;
  }
}
