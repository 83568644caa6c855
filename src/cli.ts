/**
 * The `beamish` command, on the Gun client:
 * - `beamish ws://host:port/path`: wscat-like (src/cli/ws.ts).
 * - `beamish get http://host:port/path`: one GET, every message printed (src/cli/get.ts).
 * - `beamish shell`: the REPL of src/shell/ (docs/shell.md).
 * - `beamish top http://…/?token=…`: observer_cli's view of a program's observer (src/cli/top.ts).
 * - `beamish --version`, `beamish --help`.
 * The command line is read in src/cli/args.ts; `beamish --help` says it all.
 */
import { readFileSync } from 'node:fs';
import { type Command, parseCommandLine, USAGE, UsageError } from './cli/args.js';
import { get } from './cli/get.js';
import { fail } from './cli/output.js';
import { packageVersion } from './cli/version.js';
import { ws } from './cli/ws.js';

async function main(argv: string[]): Promise<void> {
  let command: Command;
  try {
    command = parseCommandLine(argv);
  } catch (err) {
    if (err instanceof UsageError) fail(`${err.message} (see beamish --help)`, 2);
    throw err;
  }
  if (command.kind === 'help') {
    console.log(USAGE);
    return;
  }
  if (command.kind === 'version') {
    console.log(packageVersion());
    return;
  }
  if (command.kind === 'shell') {
    // Loaded only for the shell: the REPL and its helpers cost the other
    // commands nothing.
    const { startShell } = await import('./shell/index.js');
    await startShell({ input: process.stdin, output: process.stdout });
    // Processes started at the prompt may hold timers or sockets; erl halts
    // when its shell's input ends, and so does this.
    process.exit(0);
  }
  if (command.kind === 'top') {
    const { topCommand } = await import('./cli/top.js');
    return topCommand(command);
  }
  let ca: Buffer | undefined;
  if (command.caFile !== undefined) {
    try {
      ca = readFileSync(command.caFile);
    } catch (err) {
      fail(`cannot read --ca ${command.caFile}: ${err instanceof Error ? err.message : String(err)}`, 2);
    }
  }
  await (command.mode === 'get' ? get(command, ca) : ws(command, ca));
}

await main(process.argv.slice(2));
