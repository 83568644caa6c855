import { type CrashReport, formatTerm, type Logger } from '../runtime/index.js';

/**
 * A logger that writes crash reports to the shell's output, where erl writes
 * its `=ERROR REPORT====` for a process spawned at the prompt that crashes.
 * The shell sets it while it runs and puts the previous logger back on close.
 *
 * ```ts
 * const previous = setLogger(crashReportsTo((text) => output.write(text)));
 * ```
 */
export function crashReportsTo(write: (text: string) => void): Logger {
  return {
    crash({ pid, name, error }: CrashReport) {
      const who = name === undefined ? String(pid) : `${pid} (${name})`;
      const detail = error instanceof Error ? (error.stack ?? String(error)) : formatTerm(error);
      write(`=ERROR REPORT====\nError in process ${who} with exit value:\n${detail}\n\n`);
    },
  };
}
