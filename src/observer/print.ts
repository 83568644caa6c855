import { formatTerm, type Pid } from '../runtime/index.js';

/**
 * Terms and patterns as the observer prints them: with `formatTerm`, but
 * cut to a length, and without formatting all of a large term first (a
 * mailbox may hold a 10 MB Buffer, a trace may see a list of a million
 * items): a tuple stops at the budget, a long string or Buffer is sliced
 * before it is printed.
 */

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** `term`, formatTerm-printed, at most `max` characters (`…` marks a cut). */
export function shortTerm(term: unknown, max: number): string {
  return cut(bounded(term, max), max);
}

/**
 * The patterns of a receive, as an Erlang list of patterns (`[{ping,anyPid},stop]`):
 * matchers by their names (`_`, `anyPid`, `guard(...)`), the rest as
 * formatTerm prints them; cut to `max` characters. Cached by the patterns
 * array, which a receive loop written with a constant list reuses.
 */
export function formatPatterns(patterns: readonly unknown[], max = 200): string {
  let text = printed.get(patterns);
  if (text === undefined) {
    const parts: string[] = [];
    let length = 2;
    for (const p of patterns) {
      if (length > max) {
        parts.push('...');
        break;
      }
      const part = bounded(p, max - length);
      parts.push(part);
      length += part.length + 1;
    }
    text = cut(`[${parts.join(',')}]`, max);
    printed.set(patterns, text);
  }
  return text;
}

const printed = new WeakMap<readonly unknown[], string>();

/** A pid as the observer writes it: `'<0.42.0>'`. */
export function pidText(pid: Pid): string {
  return String(pid);
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

function bounded(term: unknown, budget: number): string {
  try {
    if (typeof term === 'string') return formatTerm(term.length > budget ? term.slice(0, budget) : term);
    if (Buffer.isBuffer(term)) return formatTerm(term.length > budget ? term.subarray(0, budget) : term);
    if (Array.isArray(term)) {
      const parts: string[] = [];
      let length = 2;
      for (const item of term) {
        if (length > budget) {
          parts.push('...');
          break;
        }
        const part = bounded(item, budget - length);
        parts.push(part);
        length += part.length + 1;
      }
      return `{${parts.join(',')}}`;
    }
    if (isMatcher(term)) return term.description;
    if (term instanceof Map && term.size > 50) return `#{...${term.size} keys}`;
    return formatTerm(term);
  } catch {
    // A getter that throws, a revoked Proxy: printed, not propagated.
    return '#Term<unprintable>';
  }
}

/** A pattern matcher of beamish/runtime (`_`, `anyPid`, `guard(...)`): frozen, with its description. */
function isMatcher(term: unknown): term is { description: string } {
  return (
    typeof term === 'object' &&
    term !== null &&
    Object.isFrozen(term) &&
    Object.hasOwn(term, INSPECT) &&
    typeof (term as { description?: unknown }).description === 'string'
  );
}
