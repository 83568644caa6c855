import * as nodeTest from 'node:test';

/**
 * `it` and the hooks for a suite that may have to be skipped (a peer such as
 * `erl` or python3-websockets missing). Node's runner counts none of the
 * tests of a suite given `{ skip }` (its summary then says `skipped 0`), so
 * such a suite is declared as usual and takes these in its body instead:
 *
 * ```ts
 * describe('against a real erl node', () => {
 *   const { it, before, after } = skippable(erlAvailable());
 *   ...
 * });
 * ```
 *
 * With a reason, each test is reported skipped with it, and the hooks (which
 * would start the missing peer) do nothing; without one, they are node:test's.
 */
export function skippable(reason: string | false | undefined): {
  it: typeof nodeTest.it;
  before: typeof nodeTest.before;
  after: typeof nodeTest.after;
  beforeEach: typeof nodeTest.beforeEach;
  afterEach: typeof nodeTest.afterEach;
} {
  if (!reason) return nodeTest;
  const skipped = ((name?: string) => nodeTest.it(name, { skip: reason })) as typeof nodeTest.it;
  const none = (() => undefined) as typeof nodeTest.before;
  return { it: skipped, before: none, after: none, beforeEach: none, afterEach: none };
}
