import { ConfigError } from '@triage/engine';
import type { CommandIo } from './command-io.js';
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

Run "triage <command> --help" for a command's options.

${SERVE_USAGE}

${PROJECTS_USAGE}

${DIAGNOSE_USAGE}

${REDACT_USAGE}

${FINGERPRINT_USAGE}

${EVAL_USAGE}`;

const defaultIo: CommandIo = {
  stdin: process.stdin,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

/**
 * The CLI entry point. Returns the exit code: 0 done, 1 internal failure,
 * 2 bad usage or input. Errors are one line, never a stack trace.
 */
export async function main(argv: string[], io: CommandIo = defaultIo): Promise<number> {
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
      default:
        io.stderr(`triage: unknown command "${command}"\n${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    const usage =
      error instanceof InputError ||
      ConfigError.isInstance(error) ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    io.stderr(`triage: ${(error as Error).message ?? String(error)}\n`);
    return usage ? 2 : 1;
  }
}
