#!/usr/bin/env node
// The `beamish` command: runs the built CLI (dist/), or the TypeScript
// source through tsx in a checkout that has not been built.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli.ts', import.meta.url).href);
}
