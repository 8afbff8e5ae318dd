export type { CommandIo } from './cli/command-io.js';
export { diagnoseCommand } from './cli/diagnose-command.js';
export { InputError } from './cli/input-error.js';
export { main } from './cli/main.js';
export { parseLogInput, readInput } from './cli/read-input.js';
export { redactCommand } from './cli/redact-command.js';
