import { isUtf8 } from 'node:buffer';
import { types } from 'node:util';
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
 * Marks text to print as an atom, quoted where Erlang quotes it
 * (`'Stream reset by server.'`), rather than by the string rule below:
 * Gun's HTTP/2 reasons carry their texts as atoms
 * (`{stream_error,refused_stream,'Stream reset by server.'}`). Only
 * `formatTerm` reads it; it is not a term to send in place of a string.
 *
 * @example
 * ```ts
 * formatTerm(['stream_error', 'cancel', new ErlangAtom('Stream reset by server.')]); // {stream_error,cancel,'Stream reset by server.'}
 * ```
 */
export class ErlangAtom {
  constructor(
    /** The atom's name. */
    readonly name: string,
  ) {}
}

/**
 * Prints a term the way Erlang would: arrays as tuples `{a,b}`, Buffers as
 * binaries, pids and refs as `<0.4.0>` and `#Ref<...>`, Maps and plain
 * objects as maps `#{k => v}`, `ErlangList`s as lists `[a,b]`. It is for
 * people reading logs, not a codec.
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
 * Maps (a `Map`, or a plain object): keys and values by the same rules,
 * `#{k => 1}`, `#{}` when empty, in the order the map holds its entries (a
 * Map's insertion order, an object's key order). A map that arrives from
 * an Erlang node holds them in the order Erlang sent them, which for a map
 * of up to 32 keys is Erlang's term order, the order erl prints: so it
 * prints as erl prints it. A Map built in JS is not sorted: erl prints
 * `#{b => 1, a => 2}` as `#{a => 2,b => 1}`, beamish prints `new Map([['b',
 * 1], ['a', 2]])` as `#{b => 1,a => 2}` (sorting would need each string's
 * Erlang type, which the string rule above only guesses). Larger maps erl
 * prints in its own hash order, which no JS order reproduces.
 *
 * Errors (a thrown `Error` inside a term, as in the exit reason `['error',
 * err]` of a process whose function threw) print as `#Name<message>`, in
 * the manner of Erlang's `#Ref<...>` and `#Fun<...>` for values with no
 * literal syntax: `Name` is the error's `name`, or its class's name when it
 * keeps the inherited `'Error'` (a subclass `HttpError` that sets no name
 * prints `#HttpError<...>`); the message is on one line, its control
 * characters escaped (`\n`). So `['error', new Error('asked to die')]` prints
 * `{error,#Error<asked to die>}`: in the shell, in crash and supervisor
 * reports, in a trace. The stack is not part of the term; the reports print
 * it below (`errorStacks`).
 *
 * What `processInfo` returns prints as `erlang:process_info(Pid, [status,
 * message_queue_len, links, monitors, monitored_by, registered_name,
 * trap_exit])` prints: a list of pairs under Erlang's item names, pids in
 * lists, `{process,Pid}` for each monitor, `[]` for no registered name.
 *
 * @example
 * ```ts
 * formatTerm(['DOWN', ref, 'process', pid, 'normal']); // {'DOWN',#Ref<0.0.0.7>,process,<0.4.0>,normal}
 * formatTerm(['error', 'Not found', '']);              // {error,<<"Not found">>,<<>>}
 * formatTerm(new Map([['k', 1]]));                     // #{k => 1}
 * formatTerm(['error', new TypeError('x is not a function')]); // {error,#TypeError<x is not a function>}
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
  if (term instanceof ErlangAtom) return atom(term.name);
  if (isError(term)) return `#${errorName(term)}<${oneLine(String(term.message))}>`;
  if (term instanceof Map) return map(term.entries());
  if (typeof term === 'object') {
    if (isProcessInfo(term)) return processInfoList(term);
    return map(Object.entries(term));
  }
  return `#Fun<${typeof term}>`;
}

/**
 * The stack of every Error a term holds, in the order `formatTerm` prints
 * them, each as its `stack` (`Error: boom\n    at ...`) or, without one, as
 * `Name: message`: what a report prints below the term (the crash report
 * below `{error,#Error<boom>}`, the supervisor report below its reason).
 * Empty when the term holds no Error.
 *
 * ```ts
 * const [stack] = errorStacks(['error', new Error('boom')]); // 'Error: boom\n    at ...'
 * errorStacks(['shutdown', 'normal']); // []
 * console.log(`${formatTerm(['error', new Error('boom')])}\n${stack}`); // {error,#Error<boom>}, then the stack
 * ```
 */
export function errorStacks(term: unknown): string[] {
  const stacks: string[] = [];
  const seen = new Set<object>();
  const walk = (t: unknown): void => {
    if (typeof t !== 'object' || t === null || seen.has(t)) return;
    seen.add(t);
    if (isError(t)) {
      stacks.push(typeof t.stack === 'string' && t.stack !== '' ? t.stack : `${errorName(t)}: ${t.message}`);
    } else if (Array.isArray(t)) {
      for (const item of t) walk(item);
    } else if (t instanceof ErlangList) {
      for (const item of t.items) walk(item);
    } else if (t instanceof Map) {
      for (const [k, v] of t) {
        walk(k);
        walk(v);
      }
    } else if (!(t instanceof Pid || t instanceof Ref || Buffer.isBuffer(t) || t instanceof ErlangString)) {
      for (const v of Object.values(t)) walk(v);
    }
  };
  walk(term);
  return stacks;
}

function map(entries: Iterable<[unknown, unknown]>): string {
  const printed: string[] = [];
  for (const [k, v] of entries) printed.push(`${formatTerm(k)} => ${formatTerm(v)}`);
  return `#{${printed.join(',')}}`;
}

function isError(term: unknown): term is Error {
  return term instanceof Error || types.isNativeError(term);
}

/** The error's `name`, or its class's name when the name is the inherited `'Error'`. */
function errorName(error: Error): string {
  const name = typeof error.name === 'string' && error.name !== '' ? error.name : 'Error';
  if (name !== 'Error') return name;
  const ctor: unknown = (error as { constructor?: unknown }).constructor;
  const className = typeof ctor === 'function' ? ctor.name : '';
  return className !== '' ? className : name;
}

/** `text` on one line: control characters as Erlang writes them in a string (`\n`, `\t`, `\x{1}`). */
function oneLine(text: string): string {
  return escapeText(text, '');
}

/** The items of ProcessInfo, in its order, with the names `erlang:process_info/2` gives them. */
const PROCESS_INFO_ITEMS = [
  ['status', 'status'],
  ['messageQueueLen', 'message_queue_len'],
  ['links', 'links'],
  ['monitors', 'monitors'],
  ['monitoredBy', 'monitored_by'],
  ['registeredName', 'registered_name'],
  ['trapExit', 'trap_exit'],
] as const;

/** What `processInfo` returns: these seven keys, each of its type, and no other. */
interface ProcessInfoShape {
  status: string;
  messageQueueLen: number;
  links: Pid[];
  monitors: Array<{ ref: Ref; pid: Pid }>;
  monitoredBy: Pid[];
  registeredName: string | undefined;
  trapExit: boolean;
}

function isProcessInfo(o: object): o is ProcessInfoShape {
  const proto: unknown = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) return false;
  const keys = Object.keys(o);
  if (keys.length !== PROCESS_INFO_ITEMS.length || !PROCESS_INFO_ITEMS.every(([k]) => Object.hasOwn(o, k)))
    return false;
  const i = o as Record<string, unknown>;
  const pids = (v: unknown): boolean => Array.isArray(v) && v.every((p) => p instanceof Pid);
  return (
    (i.status === 'running' || i.status === 'waiting') &&
    typeof i.messageQueueLen === 'number' &&
    pids(i.links) &&
    Array.isArray(i.monitors) &&
    i.monitors.every(
      (m: unknown) => typeof m === 'object' && m !== null && (m as { pid?: unknown }).pid instanceof Pid,
    ) &&
    pids(i.monitoredBy) &&
    (i.registeredName === undefined || typeof i.registeredName === 'string') &&
    typeof i.trapExit === 'boolean'
  );
}

/** `[{status,waiting},{message_queue_len,0},{links,[<0.4.0>]},...]`, as erl prints process_info/2's list. */
function processInfoList(info: ProcessInfoShape): string {
  const pids = (list: readonly Pid[]): string => `[${list.map(String).join(',')}]`;
  const value = (key: (typeof PROCESS_INFO_ITEMS)[number][0]): string => {
    switch (key) {
      case 'links':
      case 'monitoredBy':
        return pids(info[key]);
      case 'monitors':
        return `[${info.monitors.map((m) => `{process,${m.pid}}`).join(',')}]`;
      case 'registeredName':
        // A registered name is an atom, whatever the string rule would make of it.
        return info.registeredName === undefined ? '[]' : atom(info.registeredName);
      default:
        return formatTerm(info[key]);
    }
  };
  return `[${PROCESS_INFO_ITEMS.map(([key, item]) => `{${item},${value(key)}}`).join(',')}]`;
}

/** An atom as Erlang writes it: bare (`worker`) or quoted (`'My Worker'`, `'it\'s'`). */
function atom(name: string): string {
  return isBareAtom(name) ? name : `'${escapeText(name, "'\\")}'`;
}

/**
 * `text` with its control characters written as Erlang writes them in a
 * string or a quoted atom (`\n`, `\t`, else `\x{1}`), and a backslash before
 * each character of `quoted`.
 */
function escapeText(text: string, quoted: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x20 || c === 0x7f) out += ESCAPES[c] ?? `\\x{${c.toString(16)}}`;
    else if (quoted.includes(ch)) out += `\\${ch}`;
    else out += ch;
  }
  return out;
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
