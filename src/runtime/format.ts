import { isUtf8 } from 'node:buffer';
import { Pid, Ref } from './ids.js';

/**
 * Marks an array to print as an Erlang list `[a,b]` rather than a tuple:
 * beamish writes both as arrays, so only the caller knows which one it is.
 * Only `formatTerm` reads it; it is not a term to send in place of an array.
 *
 * @example
 * ```ts
 * formatTerm(['ok', 1, 2]);                                // {ok,1,2}
 * formatTerm(new ErlangList(['ok', 1, 2]));                // [ok,1,2]
 * formatTerm(['headers', new ErlangList([['a', 'b'], ['c', 'd']])]); // {headers,[{a,b},{c,d}]}
 * ```
 */
export class ErlangList {
  constructor(
    /** The list's elements, printed in order, each as `formatTerm` prints it. */
    readonly items: readonly unknown[],
  ) {}
}

/**
 * Marks text to print as an Erlang string, a list of characters (`"text"`),
 * rather than as an atom or a binary: Gun's reasons carry their texts as
 * strings (`{badstate,"The stream cannot be found."}`). Only `formatTerm`
 * reads it; it is not a term to send in place of a string.
 *
 * @example
 * ```ts
 * formatTerm(['badstate', new ErlangString('The stream cannot be found.')]); // {badstate,"The stream cannot be found."}
 * formatTerm(new ErlangString(''));                                           // []
 * ```
 */
export class ErlangString {
  constructor(
    /** The text, printed between double quotes with Erlang's escapes. */
    readonly text: string,
  ) {}
}

/**
 * Prints a term the way Erlang would: arrays as tuples `{a,b}`, Buffers as
 * binaries, pids and refs as `<0.4.0>` and `#Ref<...>`, plain objects as
 * maps `#{k => v}`, `ErlangList`s as lists `[a,b]`. It is for people
 * reading logs, not a codec.
 *
 * Strings are both atoms and text in beamish, so strings follow one rule:
 * - a string is an atom where Erlang would print that atom bare: a
 *   lower-case letter, then letters, digits, `_` and `@` (Latin-1 letters
 *   count, as in Erlang: `été`), and not a reserved word (`receive`,
 *   `end`, ...; OTP 25's list, where `maybe` and `else` are still bare);
 * - the quoted atoms of Erlang's own messages print as those atoms:
 *   `'EXIT'`, `'DOWN'`, and a `$` tag such as `'$gen_call'`;
 * - every other string is a binary, printed as Erlang's shell prints one:
 *   `<<"Hello!">>`, `<<"été!"/utf8>>` when it holds non-ASCII text,
 *   `<<>>` when empty.
 *
 * So `formatTerm(['text', 'hello'])` is `{text,hello}` and
 * `formatTerm(['text', 'Hello!'])` is `{text,<<"Hello!">>}`: from a string
 * alone, nothing can say which text was meant. Where the positions are
 * known, the formatter that knows them prints every text as a binary:
 * `gun.formatGunMessage` for Gun's messages, `gun.formatFrame` for a frame.
 *
 * @example
 * ```ts
 * formatTerm(['DOWN', ref, 'process', pid, 'normal']); // {'DOWN',#Ref<0.0.0.7>,process,<0.4.0>,normal}
 * formatTerm(['error', 'Not found', '']);              // {error,<<"Not found">>,<<>>}
 * ```
 */
export function formatTerm(term: unknown): string {
  if (typeof term === 'string') {
    if (isBareAtom(term)) return term;
    if (isQuotedSystemAtom(term)) return `'${term}'`;
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
  if (term instanceof ErlangString) return charlist(term.text);
  if (term instanceof Error) return `#{'__exception__' => ${binary(Buffer.from(term.message))}}`;
  if (typeof term === 'object') {
    const entries = Object.entries(term).map(([k, v]) => `${formatTerm(k)} => ${formatTerm(v)}`);
    return `#{${entries.join(',')}}`;
  }
  return `#Fun<${typeof term}>`;
}

/** Erlang's reserved words (erl_scan:reserved_word/1, OTP 25): atoms that need quotes. */
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

/**
 * An atom Erlang prints without quotes (io_lib:write_atom): a lower-case
 * letter, `a`-`z` or Latin-1's `ß`-`ÿ` but `÷`; then letters, digits, `_`
 * and `@`, Latin-1's `À`-`ÿ` but `×` and `÷`; and not a reserved word.
 * Checked against erl: `été` and `ok@host` print bare; `'Été'`, `'a-b'`,
 * `''` and `'日本'` need quotes.
 */
function isBareAtom(s: string): boolean {
  return BARE_ATOM.test(s) && !RESERVED.has(s);
}

const BARE_ATOM = /^[a-z\u00DF-\u00F6\u00F8-\u00FF][a-zA-Z0-9_@\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF]*$/;

/**
 * The quoted atoms of Erlang's own messages, which beamish sends too: the
 * signals `'EXIT'` and `'DOWN'`, and the `$` tags of internal protocols
 * (`'$gen_call'`, `'$gen_cast'`, Gun's `'$gun_call'`).
 */
function isQuotedSystemAtom(s: string): boolean {
  return s === 'EXIT' || s === 'DOWN' || (s.startsWith('$') && BARE_ATOM.test(s.slice(1)));
}

/** The escapes Erlang writes in a printable binary (io_lib's write_string). */
const ESCAPES: Record<number, string> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  11: '\\v',
  12: '\\f',
  13: '\\r',
  27: '\\e',
  34: '\\"',
  92: '\\\\',
};

/**
 * A binary as Erlang's shell prints it (`~tp`; checked against erl): as
 * text when it is UTF-8 and every character is printable
 * (io_lib:printable_unicode_list: no control characters but the escapes
 * above, no DEL, no C1 controls), with `/utf8` when a character is not
 * ASCII (`<<"été"/utf8>>`); else as bytes. The empty binary is `<<>>`.
 *
 * One difference: bytes that are not UTF-8 but are printable as Latin-1
 * print as bytes here (`<<222,173,190,239>>`), where Erlang reads them as
 * Latin-1 text (`<<"Þ­¾ï">>`). In a JavaScript program such bytes are data
 * far more often than Latin-1 text.
 */
function binary(b: Buffer): string {
  if (b.length === 0) return '<<>>';
  const text = isUtf8(b) ? printable(b.toString('utf8')) : undefined;
  if (text === undefined) return `<<${b.join(',')}>>`;
  return text.ascii ? `<<"${text.escaped}">>` : `<<"${text.escaped}"/utf8>>`;
}

/**
 * A string as Erlang's shell prints a list of characters: `"text"` when
 * every character is printable (Latin-1 ones included, as `~p` does),
 * `[]` when empty, else the list of code points.
 */
function charlist(s: string): string {
  if (s === '') return '[]';
  const text = printable(s);
  if (text !== undefined && [...s].every((ch) => (ch.codePointAt(0) as number) <= 0xff)) return `"${text.escaped}"`;
  return `[${[...s].map((ch) => ch.codePointAt(0)).join(',')}]`;
}

/** `s` escaped as Erlang writes a string, or undefined if a character is not printable. */
function printable(s: string): { escaped: string; ascii: boolean } | undefined {
  let escaped = '';
  let ascii = true;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    const sequence = ESCAPES[c];
    if (sequence !== undefined) escaped += sequence;
    else if (c >= 0x20 && c < 0x7f) escaped += ch;
    else if (c >= 0xa0 && c !== 0xfffe && c !== 0xffff) {
      escaped += ch;
      ascii = false;
    } else return undefined;
  }
  return { escaped, ascii };
}
