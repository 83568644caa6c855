/**
 * The `beamish` command, on the Gun client:
 * - `beamish ws://host:port/path`: wscat-like (src/cli/ws.ts).
 * - `beamish get http://host:port/path`: one GET, every message printed (src/cli/get.ts).
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
