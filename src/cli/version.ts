/**
 * beamish's version, from its package.json: two directories up from this
 * file both in the sources (src/cli/) and in the build (dist/cli/). Read at
 * `--version` only, so other runs do not pay for it.
 */
import { readFileSync } from 'node:fs';

/**
 * The `version` field of beamish's package.json.
 *
 * @example
 * packageVersion(); // '0.2.0'
 */
export function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const version = (pkg as { version?: unknown }).version;
  if (typeof version !== 'string') throw new Error("beamish's package.json has no version");
  return version;
}
