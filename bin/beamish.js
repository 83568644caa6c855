#!/usr/bin/env node
// The `beamish` command. In a clone (src/cli.ts is there, and tsx with the
// dev dependencies) it runs the TypeScript sources, so that a dist/ left by
// an earlier build never runs in place of the code being edited. The
// published package ships dist/ without src/ (its source maps carry the
// sources, see tsconfig.build.json), so there it runs the built CLI.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli.ts', import.meta.url);
const built = new URL('../dist/cli.js', import.meta.url);

/** tsx's loader, or undefined when it is not installed (a clone with `npm ci --omit=dev`). */
async function tsxApi() {
  try {
    return await import('tsx/esm/api');
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

const tsx = existsSync(source) ? await tsxApi() : undefined;
if (tsx !== undefined) {
  tsx.register();
  await import(source.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write('beamish: neither tsx (npm install) nor a build (npm run build) is here to run the command\n');
  process.exit(2);
}
