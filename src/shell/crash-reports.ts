import type { Logger } from '../runtime/index.js';
import { formatCrashReport } from '../runtime/logger.js';

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
    crash(report) {
      // The same text as the runtime's console logger, and a blank line after it.
      write(`${formatCrashReport(report)}\n`);
    },
  };
}
