import { Pid, Ref } from './ids.js';

/**
 * Marks an array to print as an Erlang list `[a,b]` rather than a tuple:
 * beamish writes both as arrays, so only the caller knows which one it is.
 */
export class ErlangList {
  constructor(readonly items: readonly unknown[]) {}
}

/**
 * Prints a term the way Erlang would: arrays as tuples `{a,b}`, atom-like
 * strings as atoms, other strings and Buffers as binaries `<<"...">>`, pids
 * and refs as `<0.4.0>` and `#Ref<...>`, plain objects as maps `#{k => v}`.
 *
 * Strings stand for both atoms and text in beamish, so this has to guess:
 * a string that reads as an Erlang atom (`ok`, `gun_ws`, and the upper-case
 * `'EXIT'`, `'DOWN'`) prints as an atom, anything else as a binary. It is for
 * people reading logs, not a codec.
 */
export function formatTerm(term: unknown): string {
  if (typeof term === 'string') {
    if (isAtomLike(term)) return term;
    // 'EXIT' and 'DOWN' are atoms that need quotes in Erlang's notation.
    if (/^[A-Z][A-Z0-9_]*$/.test(term)) return `'${term}'`;
    return binary(Buffer.from(term));
  }
  if (typeof term === 'number') return String(term);
  if (typeof term === 'bigint') return term.toString();
  if (typeof term === 'boolean') return String(term);
  if (term === undefined) return 'undefined';
  if (term === null) return 'null';
  if (term instanceof Pid || term instanceof Ref) return term.toString();
  if (Buffer.isBuffer(term)) return binary(term);
  if (Array.isArray(term)) return `{${term.map(formatTerm).join(',')}}`;
  if (term instanceof ErlangList) return `[${term.items.map(formatTerm).join(',')}]`;
  if (term instanceof Error) return `#{'__exception__' => ${binary(Buffer.from(term.message))}}`;
  if (typeof term === 'object') {
    const entries = Object.entries(term).map(([k, v]) => `${formatTerm(k)} => ${formatTerm(v)}`);
    return `#{${entries.join(',')}}`;
  }
  return `#Fun<${typeof term}>`;
}

const RESERVED = new Set([
  'after',
  'and',
  'andalso',
  'band',
  'begin',
  'bnot',
  'bor',
  'bsl',
  'bsr',
  'bxor',
  'case',
  'catch',
  'cond',
  'div',
  'end',
  'fun',
  'if',
  'let',
  'not',
  'of',
  'or',
  'orelse',
  'receive',
  'rem',
  'try',
  'when',
  'xor',
]);

function isAtomLike(s: string): boolean {
  return /^[a-z][a-zA-Z0-9_@]*$/.test(s) && !RESERVED.has(s);
}

const ESCAPES: Record<number, string> = { 10: '\\n', 13: '\\r', 9: '\\t', 34: '\\"', 92: '\\\\' };

/** A binary as Erlang prints it: as text when it all reads as text, else as bytes. */
function binary(b: Buffer): string {
  const printable = b.every((c) => (c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09);
  if (!printable) return `<<${[...b].join(',')}>>`;
  let text = '';
  for (const c of b) text += ESCAPES[c] ?? String.fromCharCode(c);
  return `<<"${text}">>`;
}
