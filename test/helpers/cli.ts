import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The command as users run it (bin/beamish.js, which runs the sources with tsx in a clone). */
export const bin = fileURLToPath(new URL('../../bin/beamish.js', import.meta.url));

/** How a run of the command ended, and what it printed. */
export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `beamish args...` with `input` on stdin, as a user runs it; 20 s at most. */
export function beamish(args: string[], input = ''): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? null), stdout, stderr });
    });
    child.stdin?.end(input);
  });
}
