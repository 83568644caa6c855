import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The *.types.ts files beside this one pin that some lines do not compile
 * (`@ts-expect-error`); these pin what the compiler says about them, where
 * the words are the point: the error must name what is wrong. Each case is
 * a small module compiled by the project's tsc, all in one run.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const exec = promisify(execFile);

const IMPORTS = [
  `import * as gun from '${root}src/gun/index.js';`,
  `import { _, type Pid, receive, self, send } from '${root}src/runtime/index.js';`,
].join('\n');

/** Each case: a body whose one error is on its last line, and what that error must (not) say. */
const CASES: Record<string, { code: string; says: string[]; saysNot: string[] }> = {
  // send's pid overload comes last, so the message is named, not the name overload's `string | Ref`.
  sendTypo: {
    code: `declare const chat: Pid<['say', string]>;\nsend(chat, ['sya', 'x']);`,
    says: [`Type '"sya"' is not assignable to type '"say"'`],
    saysNot: ['string | Ref'],
  },
  // A plain pid given to Gun: the error says it is not a pid from gun.open.
  plainPid: {
    code: `gun.wsSend(self(), ['text', 'x']);`,
    says: ["is not assignable to parameter of type 'ConnPid'", "Property '[openedByGunOpen]' is missing"],
    saysNot: [],
  },
  // With _ in the frame's place the message is no ClassicMessage, and the error says which place.
  untypedFrame: {
    code: `declare const conn: gun.ConnPid;\nconst m: gun.ClassicMessage = await receive([['gun_ws', conn, _]]);\nvoid m;`,
    says: ["Type 'unknown' is not assignable to type 'IncomingFrame'"],
    saysNot: [],
  },
};

/**
 * tsc's errors, by case name: each `file(line,col): error TSxxxx: text` line
 * with its indented details. Errors in other files (the sources, while
 * someone is in the middle of an edit) are left out: the whole type check
 * reports those.
 */
function errorsByCase(output: string): Map<string, string> {
  const byCase = new Map<string, string>();
  let current: string | undefined;
  for (const line of output.split('\n')) {
    if (/^\S.*\(\d+,\d+\): error/.test(line)) current = /([A-Za-z]+)\.mts\(\d+,\d+\): error/.exec(line)?.[1];
    if (current !== undefined) byCase.set(current, `${byCase.get(current) ?? ''}${line}\n`);
  }
  return byCase;
}

describe('type errors', () => {
  it('name the culprit: a bad message, a pid that is not a connection, an untyped frame', {
    timeout: 120_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beamish-type-errors-'));
    try {
      const files = Object.entries(CASES).map(([name, { code }]) => {
        const file = join(dir, `${name}.mts`);
        writeFileSync(file, `${IMPORTS}\n${code}\nexport {};\n`);
        return file;
      });
      const args = ['--ignoreConfig', '--noEmit', '--pretty', 'false', '--strict', '--module', 'nodenext'];
      args.push('--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node');
      args.push('--typeRoots', join(root, 'node_modules/@types'));
      const output = await exec(join(root, 'node_modules/.bin/tsc'), [...args, ...files], { cwd: root }).then(
        () => '',
        (err: { stdout?: string }) => err.stdout ?? String(err),
      );
      const errors = errorsByCase(output);
      for (const [name, { says, saysNot }] of Object.entries(CASES)) {
        const text = errors.get(name);
        assert.ok(text !== undefined, `${name}: expected a type error, got none; tsc said:\n${output}`);
        assert.equal(text.match(/: error TS/g)?.length, 1, `${name}: expected one error:\n${text}`);
        for (const s of says) assert.ok(text.includes(s), `${name}: expected the error to say ${s}:\n${text}`);
        for (const s of saysNot) assert.ok(!text.includes(s), `${name}: expected the error not to say ${s}:\n${text}`);
      }
      assert.deepEqual([...errors.keys()].sort(), Object.keys(CASES).sort(), output);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
