import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The command as users of a clone run it: bin/beamish.js, which runs the sources with tsx. */
export const bin = join(root, 'bin', 'beamish.js');

/**
 * The built command, dist/cli.js, as the published package runs it, when
 * every file of it is at least as new as its source (npm test's pretest
 * builds dist/); else undefined. It starts in a third of the CPU time of
 * bin/beamish.js in a clone (no tsx: 0.15 s against 0.4 s), which counts
 * in a file that runs the command dozens of times.
 */
export function freshBuild(): string | undefined {
  const dist = join(root, 'dist');
  const cli = join(dist, 'cli.js');
  if (!existsSync(cli)) return undefined;
  const src = join(root, 'src');
  const stale = (dir: string): boolean =>
    readdirSync(join(src, dir), { withFileTypes: true }).some((entry) => {
      const rel = join(dir, entry.name);
      if (entry.isDirectory()) return stale(rel);
      if (!entry.name.endsWith('.ts')) return false;
      const built = join(dist, rel.replace(/\.ts$/, '.js'));
      return !existsSync(built) || statSync(built).mtimeMs < statSync(join(src, rel)).mtimeMs;
    });
  return stale('') ? undefined : cli;
}

/** What `beamish(...)` runs: the fresh build if there is one, else bin/beamish.js (the same code, through tsx). */
export const command = freshBuild() ?? bin;

/** How a run of the command ended, and what it printed. */
export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `beamish args...` (see `command`) with `input` on stdin, as a user runs it; 20 s at most. */
export function beamish(args: string[], input = ''): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [command, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? null), stdout, stderr });
    });
    child.stdin?.end(input);
  });
}
