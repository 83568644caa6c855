import { flush as drainMailbox, node, processes, processInfo, registered, whereis } from '../runtime/index.js';
import { formatTable } from './table.js';
import { formatValue } from './writer.js';

/**
 * The shell's own functions, as Erlang's shell has them (`c:flush/0`,
 * `c:i/0`, `c:regs/0`, `c:help/0`). Each prints to the shell's output and
 * returns what Erlang's does: `ok` (or `true` for `help()`).
 */
export interface ShellHelpers {
  /**
   * Prints and drops every message in the shell process's mailbox: `Shell
   * got {ping,<0.81.0>}`, each as the shell prints any value (Gun's messages
   * as `gun.formatGunMessage` prints them).
   */
  flush(): 'ok';
  /** Prints a table of the live processes: pid, registered name, status, mailbox length, links. */
  i(): 'ok';
  /** Prints the registered names, each with its pid and mailbox length. */
  regs(): 'ok';
  /** Prints what the shell offers. */
  help(): true;
}

/**
 * The helpers, writing to `write`. They act as the process that calls them:
 * at the prompt, the shell process.
 *
 * ```ts
 * const { flush } = shellHelpers((text) => process.stdout.write(text));
 * send(self(), 'hi');
 * flush(); // prints 'Shell got hi', returns 'ok'
 * ```
 */
export function shellHelpers(write: (text: string) => void): ShellHelpers {
  return {
    flush() {
      for (const message of drainMailbox()) write(`Shell got ${formatValue(message)}\n`);
      return 'ok';
    },
    i() {
      const rows: string[][] = [];
      for (const pid of processes()) {
        const info = processInfo(pid);
        if (info === undefined) continue; // died while the table was made
        rows.push([
          String(pid),
          info.registeredName ?? '',
          info.status,
          String(info.messageQueueLen),
          info.links.map(String).join(','),
        ]);
      }
      write(`${formatTable(['Pid', 'Name', 'Status', 'Msgs', 'Links'], rows, new Set(['Msgs']))}\n`);
      return 'ok';
    },
    regs() {
      const rows: string[][] = [];
      for (const name of registered().sort()) {
        const pid = whereis(name);
        if (pid === undefined) continue;
        rows.push([name, String(pid), String(processInfo(pid)?.messageQueueLen ?? 0)]);
      }
      write(`\n** Registered procs on node ${node()} **\n`);
      write(`${formatTable(['Name', 'Pid', 'Msgs'], rows, new Set(['Msgs']))}\n`);
      return 'ok';
    },
    help() {
      write(HELP);
      return true;
    },
  };
}

const HELP = `flush()    -- print and drop every message the shell process holds
i()        -- the processes: pid, registered name, status, mailbox length, links
regs()     -- the registered names, with their pids
top()      -- a live view of the processes (beamish top: m/r sort, Enter detail, q back)
help()     -- this list
self(), spawn, send, receive, on, _, link, monitor, register, exit, sleep, ...
           -- all of beamish/runtime (receive as \`await receive([...])\`)
gun        -- beamish/gun: gun.open, gun.wsUpgrade, gun.get, ...
.exit      -- leave the shell (or Ctrl-D)
Lines are JavaScript, with top-level await. An exception ends the shell
process; a new one, with a new pid, takes the next line.
`;
