/**
 * The shell's names on `globalThis`, and putting back what was there.
 *
 * The shell evaluates lines in the main realm, as Node's own `node` REPL
 * does (`useGlobal`), not in a vm context of their own: objects made there
 * would have another realm's `Object.prototype`, and the runtime takes only
 * this realm's plain objects for maps, so a map pattern typed at the prompt
 * would match nothing. The cost is that the bindings are globals while the
 * shell runs (Node's REPL adds its own: `_`, `module`, `require`, the
 * built-in modules); `restore()` puts back every name either added, as it
 * was. A `const` or `let` typed at the prompt lives on in the realm after
 * the shell closes, as in Node's REPL.
 */
export class GlobalNames {
  private readonly saved = new Map<string, PropertyDescriptor | undefined>();
  private before: Set<string> | undefined;

  /** Notes the names on globalThis now, to tell later which ones the REPL added. */
  watch(): void {
    this.before = new Set(Object.getOwnPropertyNames(globalThis));
  }

  /** Takes note, to put back, of every name added since `watch()`. */
  keepAdded(): void {
    for (const name of Object.getOwnPropertyNames(globalThis)) {
      if (!this.before?.has(name) && !this.saved.has(name)) this.saved.set(name, undefined);
    }
  }

  /**
   * Defines `name` on globalThis as a writable value, after taking note of
   * what it was (the first time). Returns whether it could: a non-configurable
   * global (say, a `var` declared at the prompt) is left alone.
   */
  define(name: string, value: unknown): boolean {
    const previous = Object.getOwnPropertyDescriptor(globalThis, name);
    if (previous !== undefined && previous.configurable !== true) return false;
    if (!this.saved.has(name)) this.saved.set(name, previous);
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
    return true;
  }

  /** Puts back every name noted, as it was before the shell. */
  restore(): void {
    for (const [name, previous] of this.saved) {
      const now = Object.getOwnPropertyDescriptor(globalThis, name);
      if (now !== undefined && now.configurable !== true) continue;
      if (previous === undefined) delete (globalThis as Record<string, unknown>)[name];
      else Object.defineProperty(globalThis, name, previous);
    }
    this.saved.clear();
  }
}
