import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { API, type Checker, SignatureKind, SymbolFlags, type Symbol as TsSymbol } from 'typescript/unstable/sync';

/**
 * Issue 10: every public export has a doc comment with an example, and the
 * examples compile against the real API.
 *
 * The exports are read with the compiler itself (TypeScript 7's API, which
 * runs tsgo in a child process: about 0.3 s), so `export *`, re-exports across
 * directories and overloads count as they do for a user. That API is marked
 * unstable: if a TypeScript upgrade changes it, this file stops compiling or
 * throws, it does not pass silently.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const exec = promisify(execFile);

const ENTRY_POINTS = ['runtime', 'otp', 'gun', 'distribution'] as const;
type EntryPoint = (typeof ENTRY_POINTS)[number];

/**
 * How examples name each entry point's exports: beamish/gun's through the
 * namespace `gun` (`gun.open(...)`, as docs/gun.md writes it: its `flush`,
 * `get`, `data`, `delete` would clash with other names), the others bare.
 */
const NAMESPACE: Partial<Record<EntryPoint, string>> = { gun: 'gun' };

/**
 * The free names examples use without defining them: what the surrounding
 * prose is about (a connection, a running server, the caller being answered).
 * Declared only in the modules whose example names them, so an example that
 * uses a name not listed here fails. Keep this short: an example that needs
 * more context than this should set it up itself.
 */
const COUNTER_CALLS = "readonly [['get'], number] | readonly [['add', number], number]";
const LOCK_CALLS = "readonly [['is_open'], boolean]";
const HELPERS: Record<string, string> = {
  conn: 'declare const conn: $gun.ConnPid;',
  ref: 'declare const ref: $gun.StreamRef;',
  ws: 'declare const ws: $gun.StreamRef;',
  pid: 'declare const pid: $runtime.Pid;',
  handleFrame: 'declare function handleFrame(conn: $gun.ConnPid, frame: $gun.IncomingFrame): void;',
  loop: 'declare function loop(): Promise<void>;',
  counter: `declare const counter: $otp.GenServer<number, ${COUNTER_CALLS}, 'reset', unknown, number>;`,
  cache: 'declare const cache: $otp.GenServer<object, $otp.CallSpec, never, unknown, object>;',
  worker: 'declare const worker: $otp.GenServer<unknown, $otp.CallSpec, never, unknown, string>;',
  lock: `declare const lock: $otp.GenStatem<'locked' | 'open', { code: string; typed: string }, ${LOCK_CALLS}, ['button', string], never, string>;`,
  sup: 'declare const sup: $otp.SupervisorPid;',
  pool: 'declare const pool: $otp.SupervisorPid<[host: string, port: number]>;',
  subSpec: 'declare const subSpec: $otp.StaticSupervisorSpec;',
  from: 'declare const from: $otp.From<number>;',
  state: 'declare const state: { waiting: $otp.From<number>[] };',
  answer: 'declare const answer: number;',
  data: 'declare const data: { waiting: $otp.From<string> };',
  net: "declare const net: typeof import('node:net');",
};

/** Where a name means something else than in HELPERS: by source file. */
const HELPERS_IN: Record<string, Record<string, string>> = {
  // The pid of the `counter` and `lock` above, so typed calls are checked as typed.
  'src/otp/gen-server.ts': { pid: `declare const pid: $otp.ServerPid<${COUNTER_CALLS}, 'reset'>;` },
  'src/otp/gen-statem.ts': { pid: `declare const pid: $otp.ServerPid<${LOCK_CALLS}, ['button', string]>;` },
  'src/otp/tracer.ts': { worker: 'declare const worker: $runtime.Pid;' },
  // A connection to another node there, not a Gun connection.
  'src/distribution/framed-socket.ts': { conn: 'declare const conn: $distribution.FramedSocket;' },
};

interface PublicExport {
  entry: EntryPoint;
  /** `GenServer.call` for a member of a `@namespace` object. */
  name: string;
  file: string;
  line: number;
  hasExample: boolean;
}

interface ApiSurface {
  exports: PublicExport[];
  /** Every name each entry point exports, types included, for the examples' imports. */
  names: Record<EntryPoint, Map<string, number>>;
}

function hasTsBlock(symbol: TsSymbol, checker: Checker): boolean {
  const text = [symbol.getDocumentationComment(checker), ...symbol.getJsDocTags(checker).map((t) => t.text ?? '')];
  return text.some((t) => t.includes('```ts'));
}

/** The file and line of a declaration: its first token, past the comments before it. */
function lineOf(symbol: TsSymbol): { file: string; line: number } {
  const declaration = symbol.declarations[0];
  assert.ok(declaration, `${symbol.name} has a declaration`);
  const text = readFileSync(declaration.path, 'utf8');
  const pos = declaration.resolve()?.pos ?? 0;
  const trivia = /^(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/.exec(text.slice(pos))?.[0] ?? '';
  return { file: relative(root, declaration.path), line: text.slice(0, pos + trivia.length).split('\n').length };
}

/** A function, a class, or a const whose value is callable (an arrow function). */
function needsExample(symbol: TsSymbol, checker: Checker): boolean {
  if (symbol.flags & (SymbolFlags.Function | SymbolFlags.Class)) return true;
  if (!(symbol.flags & SymbolFlags.Variable)) return false;
  const type = checker.getTypeOfSymbol(symbol);
  return type !== undefined && checker.getSignaturesOfType(type, SignatureKind.Call).length > 0;
}

function readApiSurface(): ApiSurface {
  const api = new API({ cwd: root });
  try {
    const snapshot = api.updateSnapshot({ openProject: join(root, 'tsconfig.json') });
    const project = snapshot.getProjects()[0];
    assert.ok(project, 'tsconfig.json opens as a project');
    const { checker, program } = project;
    const exports: PublicExport[] = [];
    const names = {} as ApiSurface['names'];
    for (const entry of ENTRY_POINTS) {
      names[entry] = new Map();
      const file = program.getSourceFile(join(root, `src/${entry}/index.ts`));
      assert.ok(file, `src/${entry}/index.ts is in the project`);
      const module = checker.getSymbolAtLocation(file);
      assert.ok(module, `src/${entry}/index.ts is a module`);
      for (const exported of checker.getExportsOfModule(module)) {
        const symbol = exported.flags & SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        names[entry].set(exported.name, symbol.id);
        if (symbol.getJsDocTags(checker).some((t) => t.name === 'namespace')) {
          const type = checker.getTypeOfSymbol(symbol);
          assert.ok(type, `the type of ${exported.name}`);
          for (const member of checker.getPropertiesOfType(type)) {
            const name = `${exported.name}.${member.name}`;
            exports.push({ entry, name, ...lineOf(member), hasExample: hasTsBlock(member, checker) });
          }
        } else if (needsExample(symbol, checker)) {
          const where = lineOf(symbol);
          exports.push({ entry, name: exported.name, ...where, hasExample: hasTsBlock(symbol, checker) });
        }
      }
    }
    return { exports, names };
  } finally {
    api.close();
  }
}

/** Every `.ts` file under src/<entry>/, sorted. */
function sourcesOf(entry: EntryPoint): string[] {
  return readdirSync(join(root, 'src', entry), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `src/${entry}/${f}`)
    .sort();
}

interface Example {
  file: string;
  /** The line of the opening fence: the example's first line is the next one. */
  fence: number;
  code: string;
}

/** The ```ts blocks of the doc comments of one source file, ` * ` stripped. */
function examplesIn(file: string): Example[] {
  const source = readFileSync(join(root, file), 'utf8');
  const examples: Example[] = [];
  for (const comment of source.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const lines = comment[0].split('\n').map((l) => l.replace(/^\s*\*(?: |$)/, ''));
    const startLine = source.slice(0, comment.index).split('\n').length;
    let open: { fence: number; code: string[] } | undefined;
    lines.forEach((text, i) => {
      if (open === undefined) {
        if (/^\s*```ts\s*$/.test(text)) open = { fence: startLine + i, code: [] };
      } else if (/^\s*```\s*$/.test(text)) {
        examples.push({ file, fence: open.fence, code: open.code.join('\n') });
        open = undefined;
      } else {
        open.code.push(text);
      }
    });
    assert.equal(open, undefined, `${file}:${open?.fence}: a \`\`\`ts block that is never closed`);
  }
  return examples;
}

/**
 * `beamish/...` as the package's users write it, and `./x.js` relative to the
 * source file the example is in (an example of an internal function imports it so).
 */
function rewriteSpecifiers(code: string, file: string): string {
  let out = code.replaceAll("from 'beamish'", `from '${root}src/index.js'`);
  for (const entry of ENTRY_POINTS) {
    out = out.replaceAll(`from 'beamish/${entry}'`, `from '${root}src/${entry}/index.js'`);
  }
  return out.replace(/from '(\.\.?\/[^']+)'/g, (_, path: string) => `from '${join(root, dirname(file), path)}'`);
}

/** One import per entry point: each name once, from the first entry point that exports it. */
function prelude(names: ApiSurface['names']): string {
  const taken = new Map<string, { entry: EntryPoint; id: number }>();
  const lines: string[] = [];
  for (const entry of ENTRY_POINTS) {
    const path = `${root}src/${entry}/index.js`;
    const namespace = NAMESPACE[entry];
    if (namespace !== undefined) {
      lines.push(`import * as ${namespace} from '${path}';`);
      continue;
    }
    const own: string[] = [];
    for (const [name, id] of names[entry]) {
      const before = taken.get(name);
      if (before === undefined) {
        taken.set(name, { entry, id });
        own.push(name);
      } else {
        assert.equal(before.id, id, `${name}: beamish/${before.entry} and beamish/${entry} export different things`);
      }
    }
    // `await` and `delete` are gun's, under its namespace; nothing else is a reserved word.
    lines.push(`import { ${own.join(', ')} } from '${path}';`);
  }
  return lines.join('\n');
}

interface Scratch {
  text: string;
  /** The scratch file's line that holds the example's first line. */
  firstLine: number;
}

/** What HELPERS' declarations name their types through, so they do not depend on an example's imports. */
const HELPER_TYPES = ENTRY_POINTS.map((e) => `import type * as $${e} from '${root}src/${e}/index.js';`).join('\n');

function moduleOf(example: Example, imports: string): Scratch {
  const helpers = Object.entries({ ...HELPERS, ...HELPERS_IN[example.file] })
    // The name used (not `x.name`, not a key `name:`, not the `from` of an import)...
    .filter(([name]) => new RegExp(`(?<![\\w$.])${name}\\b(?!\\s*(?::|'))`).test(example.code))
    // ...and not defined by the example itself.
    .filter(([name]) => !new RegExp(`\\b(?:const|let|var|function|class)\\s+${name}\\b`).test(example.code))
    .map(([, declaration]) => declaration);
  const declarations = helpers.length > 0 ? [HELPER_TYPES, ...helpers] : [];
  if (example.code.trimStart().startsWith('import')) {
    // A module of its own, its imports at the top as a user writes them.
    const text = [rewriteSpecifiers(example.code, example.file), ...declarations, 'export {};', ''].join('\n');
    return { text, firstLine: 1 };
  }
  const head = [imports, ...declarations, 'export async function example(): Promise<void> {'].join('\n');
  return { text: [head, example.code, '}', ''].join('\n'), firstLine: head.split('\n').length + 1 };
}

describe('API reference examples (issue 10)', () => {
  let surface: ApiSurface;
  before(() => {
    surface = readApiSurface();
  });

  it('every function and class of beamish/runtime, /otp, /gun and /distribution (each member of a @namespace object) has a doc comment with a ```ts example', () => {
    // Floors well under today's counts (51, 31, 29, 41), so a broken listing cannot pass by finding nothing.
    const floors: Record<EntryPoint, number> = { runtime: 40, otp: 25, gun: 20, distribution: 30 };
    for (const entry of ENTRY_POINTS) {
      const found = surface.exports.filter((x) => x.entry === entry).length;
      assert.ok(found >= floors[entry], `beamish/${entry}: found ${found} functions and classes`);
    }
    const missing = surface.exports
      .filter((x) => !x.hasExample)
      .map((x) => `beamish/${x.entry}: ${x.name} (${x.file}:${x.line})`);
    assert.deepEqual(missing, [], `${missing.length} exports without a \`\`\`ts example:\n${missing.join('\n')}`);
  });

  it('every ```ts block in the doc comments under src/runtime, src/otp, src/gun and src/distribution type-checks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beamish-api-examples-'));
    try {
      const imports = prelude(surface.names);
      const scratch = new Map<string, { example: Example; firstLine: number }>();
      for (const entry of ENTRY_POINTS) {
        for (const source of sourcesOf(entry)) {
          for (const example of examplesIn(source)) {
            const name = `example${scratch.size}.mts`;
            const { text, firstLine } = moduleOf(example, imports);
            writeFileSync(join(dir, name), text);
            scratch.set(name, { example, firstLine });
          }
        }
      }
      assert.ok(scratch.size >= 150, `found ${scratch.size} examples`);
      const tsc = join(root, 'node_modules/.bin/tsc');
      const args = ['--ignoreConfig', '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext'];
      args.push('--target', 'es2022', '--skipLibCheck', '--types', 'node');
      args.push('--typeRoots', join(root, 'node_modules/@types'));
      const files = [...scratch.keys()].map((name) => join(dir, name));
      const output = await exec(tsc, [...args, ...files], { cwd: root, maxBuffer: 16 * 1024 * 1024 }).then(
        () => '',
        // A crash of tsc itself writes nothing to stdout: report it, never read it as "no errors".
        (err: { stdout?: string; stderr?: string }) => err.stdout || err.stderr || String(err),
      );
      // tsc names the scratch file and its line; say which source line that is.
      const errors = output.replace(/^\S*?(example\d+\.mts)\((\d+),(\d+)\)/gm, (whole, name: string, line: string) => {
        const at = scratch.get(name);
        if (at === undefined) return whole;
        const offset = Number(line) - at.firstLine;
        const inExample = offset >= 0 && offset < at.example.code.split('\n').length;
        const where = inExample ? at.example.fence + 1 + offset : `${at.example.fence} (imports and helpers)`;
        return `${at.example.file}:${where} [${name}]`;
      });
      assert.equal(errors, '', errors);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
