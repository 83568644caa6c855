import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * docs/guides/errors-and-exit-reasons.md claims to list every error class
 * and every reason beamish produces. These checks read the sources and fail
 * when one is added (or changed) without the page saying so: a reason
 * constant of src/gun/reasons.ts, an error class, an atom given as a reason,
 * the text of a server fault. Each check is a function of the page's text,
 * so the last test can show that each one fails on a page that lacks an entry.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const PAGE = 'docs/guides/errors-and-exit-reasons.md';
const page = readFileSync(join(root, PAGE), 'utf8');

/** A term as the page writes it in JavaScript: `['badstate', 'The stream cannot be found.']`. */
function jsLiteral(term: unknown): string {
  if (Array.isArray(term)) return `[${term.map(jsLiteral).join(', ')}]`;
  if (typeof term === 'string') return `'${term.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  return String(term);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const SOURCES = [...sourceFiles('src/runtime'), ...sourceFiles('src/gun')].map((path) => ({
  path,
  text: readFileSync(join(root, path), 'utf8'),
}));

// -- what the sources produce ---------------------------------------------------

const ATOM = /'([a-z][a-z0-9_]*)'/g;
/**
 * The places a reason is made: the argument of a call that ends a process,
 * a connection or a WebSocket; what is assigned to `reason` or `why` (or
 * given as a command's `reason:`); the reason of a `gun_error` to a caller;
 * an `['error', ...]` result; the reason of an EXIT or DOWN tuple. Every
 * atom literal there is a reason (or part of one).
 */
const REASON_SITES: readonly RegExp[] = [
  /\b(?:exit|die|disconnect|connectFailed|notConnected|finish|unwinding|super)\((.*)$/,
  /\b(?:reason|why)\s*(?::|=(?!=))\s*(.*)$/,
  /\bdialect\.error\([^,]+,[^,]+,(.*)$/,
  /\['error',\s*(\[?'[a-z_]+')/,
  /\['(?:EXIT|DOWN)',[^\]]*?('[a-z_]+')\]/,
];

/** Atoms given as reasons anywhere in src/runtime and src/gun, with where. */
function reasonAtoms(): Map<string, string> {
  const atoms = new Map<string, string>();
  for (const { path, text } of SOURCES) {
    for (const [i, line] of text.split('\n').entries()) {
      if (/^\s*(?:\*|\/\/|\/\*)/.test(line)) continue;
      const code = line.replace(/\/\/.*$/, '');
      for (const site of REASON_SITES) {
        const arg = site.exec(code)?.[1];
        if (arg !== undefined) for (const [, atom] of arg.matchAll(ATOM)) atoms.set(atom as string, `${path}:${i + 1}`);
      }
    }
    // Functions that compute a reason (ownerDownReason, lostReason, ...): what they return.
    for (const [, body] of text.matchAll(/function \w*Reason\w*\([^)]*\)[^{]*\{([\s\S]*?)\n\}/g)) {
      for (const [, value] of (body as string).matchAll(/return ([^;]*);/g)) {
        for (const [, atom] of (value as string).matchAll(ATOM)) atoms.set(atom as string, path);
      }
    }
  }
  return atoms;
}

/** Every class in src/runtime and src/gun that is an Error, exported or not. */
function errorClasses(): Map<string, string> {
  const declared = new Map<string, { base: string; path: string }>();
  for (const { path, text } of SOURCES) {
    for (const [, name, base] of text.matchAll(/\bclass (\w+) extends (\w+)/g)) {
      declared.set(name as string, { base: base as string, path });
    }
  }
  const isError = (name: string, seen = new Set<string>()): boolean => {
    if (/^(?:[A-Z]\w*)?Error$/.test(name) && !declared.has(name)) return true; // Error, TypeError, ...
    const d = declared.get(name);
    if (d === undefined || seen.has(name)) return false;
    seen.add(name);
    return isError(d.base, seen);
  };
  return new Map([...declared].filter(([name]) => isError(name)).map(([name, d]) => [name, d.path]));
}

/**
 * The texts of the errors the Gun protocol modules throw (PeerFault: the
 * `connection_error` texts; Error: why a WebSocket negotiation failed). For
 * a template literal, its text up to the first substitution.
 */
function faultTexts(): Map<string, string> {
  const texts = new Map<string, string>();
  const thrown = /throw new (?:PeerFault|Error)\(\s*(?:'[a-z_]+',\s*)?(?:'([^']*)'|"([^"]*)"|`([^`$]*))/g;
  for (const { path, text } of SOURCES) {
    if (!path.startsWith('src/gun')) continue;
    for (const m of text.matchAll(thrown)) {
      const t = (m[1] ?? m[2] ?? m[3] ?? '').trim();
      if (t !== '') texts.set(t, path);
    }
  }
  return texts;
}

// -- the checks: each returns what the page lacks ---------------------------------

type Reasons = Record<string, unknown>;

function missingReasonConstants(doc: string, reasons: Reasons): string[] {
  const missing: string[] = [];
  for (const [name, value] of Object.entries(reasons)) {
    if (typeof value === 'function') {
      // A helper that makes reasons (socketError, errorText): the page says what it makes, by name.
      if (!doc.includes(`\`${name}\``)) missing.push(`${name} (a function: name it in backquotes)`);
    } else if (!doc.includes(jsLiteral(value))) {
      missing.push(`${name}: ${jsLiteral(value)}`);
    }
  }
  return missing;
}

function missingErrorClasses(doc: string, names: Iterable<string>): string[] {
  return [...names].filter((name) => !doc.includes(`\`${name}\``));
}

/** Exported classes need a section of their own, with a `### \`Name\`` heading. */
function missingSections(doc: string, names: Iterable<string>): string[] {
  return [...names].filter((name) => !doc.includes(`### \`${name}\``));
}

function missingAtoms(doc: string, atoms: Iterable<string>): string[] {
  return [...atoms].filter((atom) => !doc.includes(`'${atom}'`));
}

function missingTexts(doc: string, texts: Iterable<string>): string[] {
  return [...texts].filter((t) => !doc.includes(t));
}

/** The Error classes a module exports (the root module re-exports the runtime's; Gun's come as `gun`). */
function exportedErrorClasses(mod: Record<string, unknown>): string[] {
  return Object.entries(mod)
    .filter(([, v]) => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error)
    .map(([name]) => name);
}

describe(PAGE, () => {
  it('shows every reason constant of src/gun/reasons.ts as its JS value, and names its helpers', async () => {
    const reasons = (await import('../../src/gun/reasons.js')) as Reasons;
    assert.ok(Object.keys(reasons).length >= 15, `reasons.ts exports ${Object.keys(reasons).length} names`);
    assert.deepEqual(missingReasonConstants(page, reasons), [], 'reasons the page does not show');
  });

  it('has a section for every error class beamish, beamish/runtime and beamish/gun export', async () => {
    const beamish = (await import('../../src/index.js')) as Record<string, unknown>;
    const gun = (await import('../../src/gun/index.js')) as Record<string, unknown>;
    const exported = new Set([...exportedErrorClasses(beamish), ...exportedErrorClasses(gun)]);
    for (const known of ['BadArgError', 'ProcessExit', 'ReceiveTimeout', 'NoProcError', 'ConcurrentReceiveError']) {
      assert.ok(exported.has(known), `${known} is exported (the search for exported classes works)`);
    }
    assert.deepEqual(missingSections(page, exported), [], 'exported error classes without a section');
  });

  it('names every Error class defined in src/runtime and src/gun, exported or not', () => {
    const classes = errorClasses();
    assert.ok(classes.has('ReceiveTimeout') && classes.has('PeerFault'), `found ${[...classes.keys()].join(', ')}`);
    const missing = missingErrorClasses(page, classes.keys()).map((name) => `${name} (${classes.get(name)})`);
    assert.deepEqual(missing, [], 'error classes the page does not name');
  });

  it('shows every atom src/runtime and src/gun give as a reason', () => {
    const atoms = reasonAtoms();
    // The scan must keep finding the reasons known today, or it has stopped working.
    for (const known of [
      'normal',
      'killed',
      'noproc',
      'timeout',
      'shutdown',
      'owner_down',
      'closed',
      'closing',
      'connection_error',
      'internal_error',
      'stream_error',
      'down',
      'not_connected',
    ]) {
      assert.ok(atoms.has(known), `the scan finds '${known}' (found: ${[...atoms.keys()].join(', ')})`);
    }
    const missing = missingAtoms(page, atoms.keys()).map((atom) => `'${atom}' (${atoms.get(atom)})`);
    assert.deepEqual(missing, [], 'reason atoms the page does not show');
  });

  it('quotes the text of every server fault and failed WebSocket negotiation the Gun modules throw', () => {
    const texts = faultTexts();
    assert.ok(texts.size >= 20, `found ${texts.size} texts`);
    assert.ok(texts.has('The response header block is too large.'), 'the scan finds PeerFault texts');
    const missing = missingTexts(page, texts.keys()).map((t) => `${t} (${texts.get(t)})`);
    assert.deepEqual(missing, [], 'fault texts the page does not quote');
  });

  it('each check reports an entry taken out of the page', async () => {
    const reasons = (await import('../../src/gun/reasons.js')) as Reasons;
    const stuck = `${jsLiteral(reasons.STREAM_NOT_FOUND)}`;
    assert.ok(page.includes(stuck));
    assert.deepEqual(missingReasonConstants(page.replaceAll(stuck, ''), reasons), [`STREAM_NOT_FOUND: ${stuck}`]);
    assert.deepEqual(missingReasonConstants(page.replaceAll('`socketError`', ''), reasons), [
      'socketError (a function: name it in backquotes)',
    ]);
    assert.deepEqual(missingSections(page.replaceAll('### `NoProcError`', ''), ['NoProcError']), ['NoProcError']);
    assert.deepEqual(missingErrorClasses(page.replaceAll('`PeerFault`', ''), ['PeerFault']), ['PeerFault']);
    assert.deepEqual(missingAtoms(page.replaceAll("'owner_down'", ''), ['owner_down']), ['owner_down']);
    const text = 'The response trailer block is too large.';
    assert.deepEqual(missingTexts(page.replaceAll(text, ''), [text]), [text]);
  });
});
