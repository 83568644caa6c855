import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { describe } from 'node:test';
import type { Page } from 'playwright-core';
import { observe } from '../../src/observer/index.js';
import type { Observer } from '../../src/observer/types.js';
import { GenServer, Supervisor } from '../../src/otp/index.js';
import {
  _,
  anyNumber,
  anyPid,
  exit,
  isAlive,
  monitor,
  type Pid,
  receive,
  run,
  self,
  send,
  spawn,
} from '../../src/runtime/index.js';
import { chromiumMissing, type LaunchedBrowser, launchChromium } from '../helpers/browser.js';
import { skippable } from '../helpers/skippable.js';

/**
 * The observer's page (src/observer/page/) in a real browser: Debian's
 * chromium driven by playwright-core, launched once for the file, one page
 * reused by every test, against a real observe() of this program at 200 ms.
 * Each view is kept as a screenshot in test-artifacts/observer/.
 */

const INTERVAL_MS = 200;
const ARTIFACTS = new URL('../../test-artifacts/observer/', import.meta.url);
/** How long the page gets to show something (a failure, not a speed limit: most take one interval). */
const WAIT_MS = 5000;

/**
 * The page's document, as the functions given to page.waitForFunction use
 * it: they run in the browser, and this project's TypeScript has no DOM
 * types (adding them would retype the whole program's timers and fetch).
 */
interface PageElement {
  readonly textContent: string | null;
  readonly hidden: boolean;
  getAttribute(name: string): string | null;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): { readonly length: number; [Symbol.iterator](): Iterator<PageElement> };
};

// -- the processes the tests watch -----------------------------------------------------------

/** Waits for 'stop'; until then the observer lists it as waiting. */
async function idle(): Promise<void> {
  await receive(['stop']);
}

/** The GenServer whose state the process page shows. */
const tally: GenServer<readonly ['tally', number], readonly [['get'], number], never, unknown, number> = {
  name: 'tally',
  init: (n) => ['ok', ['tally', n]],
  handleCall: (_request, _from, state) => ['reply', state[1], state],
};

/** Answers each ['ping', from, n] with ['pong', n]. */
async function ponger(): Promise<void> {
  for (;;) {
    const [, from, n] = await receive([['ping', anyPid, anyNumber]]);
    send(from, ['pong', n]);
  }
}

/** On ['go', rounds, ponger], plays that many rounds of ping-pong. */
async function pinger(): Promise<void> {
  for (;;) {
    const [, rounds, partner] = await receive([['go', anyNumber, anyPid]]);
    for (let i = 0; i < rounds; i++) {
      send(partner, ['ping', self(), i]);
      await receive([['pong', i]]);
    }
  }
}

/** `promise`, or a failure after WAIT_MS: no wait in this file is unbounded. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${WAIT_MS} ms`)), WAIT_MS);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Resolves with the exit reason of `pid`, watched by a process of its own; `ready` once it monitors. */
function watch(pid: Pid): { ready: Promise<void>; down: Promise<unknown> } {
  let ready!: () => void;
  const readyP = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const down = new Promise<unknown>((resolve) => {
    spawn(async function watcher() {
      const ref = monitor('process', pid);
      ready();
      const [, , , , reason] = await receive([['DOWN', ref, 'process', pid, _]]);
      resolve(reason);
    });
  });
  return { ready: readyP, down };
}

// -- page helpers ----------------------------------------------------------------------------

/** The pids of the rows the table shows. */
function rowPids(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid="process-row"]', (rows) => rows.map((r) => r.getAttribute('data-pid') ?? ''));
}

/** The text of the first element `selector` finds. */
async function text(page: Page, selector: string): Promise<string> {
  return (await page.textContent(selector)) ?? '';
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: new URL(`${name}.png`, ARTIFACTS).pathname });
}

/** Shows the Processes tab, with `filter` typed in its filter field. */
async function showProcesses(page: Page, filter = ''): Promise<void> {
  await page.click('[data-testid="tab-processes"]');
  await page.fill('[data-testid="process-filter"]', filter);
}

/** Opens a process's page the way a user does: filter the table for it, click its pid. */
async function openProcess(page: Page, pid: Pid): Promise<void> {
  await showProcesses(page, String(pid));
  await page.click(`[data-testid="process-row"][data-pid="${pid}"] [data-testid="pid-link"]`);
  await page.waitForFunction(
    (p) =>
      document.querySelector('[data-testid="detail-pid"]')?.textContent === p &&
      !document.querySelector('[data-testid="detail"]')?.hidden,
    String(pid),
    { polling: 50 },
  );
}

describe('the observer page in a real browser (Debian chromium)', () => {
  const { it, before, after } = skippable(chromiumMissing());

  let browser: LaunchedBrowser | undefined;
  let observer: Observer | undefined;
  let page: Page;
  /** Every process a test starts, killed in after(). */
  const started: Pid[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    observer = await observe({ intervalMs: INTERVAL_MS });
    browser = await launchChromium();
    browser.context.setDefaultTimeout(WAIT_MS);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      // The 404 of the process page asking for a process that was killed is what it shows, not an error.
      const expected = msg.location().url.includes('/api/process/') && msg.text().includes('404');
      if (msg.type() === 'error' && !expected) pageErrors.push(`${msg.text()} (${msg.location().url})`);
    });
    await page.goto(observer.url);
    await page.waitForSelector('[data-testid="conn-status"][data-state="live"]');
    await page.waitForSelector('body[data-seq]');
  });

  after(async () => {
    await run(() => {
      for (const pid of started) if (isAlive(pid)) exit(pid, 'kill');
    });
    await browser?.close();
    await observer?.close();
  });

  it('lists 200 new processes within two intervals (counted in the stream’s deltas)', async () => {
    const seqBefore = Number(await page.getAttribute('body', 'data-seq'));
    const pids: Pid[] = [];
    for (let i = 0; i < 200; i++) pids.push(spawn(idle));
    started.push(...pids);
    const wanted = pids.map(String);
    await page.waitForFunction(
      (want) => {
        const shown = new Set(
          [...document.querySelectorAll('[data-testid="process-row"]')].map((r) => r.getAttribute('data-pid')),
        );
        return want.every((p) => shown.has(p));
      },
      wanted,
      { polling: 20 },
    );
    // Within two intervals, counted in the stream's deltas rather than in ms: the delta
    // that listed them is at worst the one after the delta in flight when they were spawned.
    const firstSeqs = await page.$$eval(
      '[data-testid="process-row"]',
      (rows, want) =>
        rows
          .filter((r) => want.includes(r.getAttribute('data-pid') ?? ''))
          .map((r) => Number(r.getAttribute('data-first-seq'))),
      wanted,
    );
    assert.equal(firstSeqs.length, 200);
    const listedAt = Math.max(...firstSeqs);
    assert.ok(listedAt <= seqBefore + 2, `listed at seq ${listedAt}, spawned after seq ${seqBefore}`);
    const row = page.locator(`[data-testid="process-row"][data-pid="${pids[0]}"]`);
    assert.equal(await row.locator('td[data-col="name"]').textContent(), 'idle');
    assert.equal(await row.locator('td[data-col="status"]').textContent(), 'waiting');
    assert.equal(await row.locator('td[data-col="mailbox"]').textContent(), '0');
    assert.equal(await row.locator('td[data-col="waitingFor"]').textContent(), '[stop]');
    // Sorted by pid, ascending, as its header says.
    const shown = await rowPids(page);
    const mine = shown.filter((p) => wanted.includes(p));
    assert.deepEqual(mine, wanted);
    assert.equal(await page.getAttribute('th:has(button[data-sort="pid"])', 'aria-sort'), 'ascending');

    // Three messages no one takes: that row's mailbox, and first when sorted by mailbox.
    const full = pids[150] as Pid;
    await run(() => {
      for (const m of ['one', 'two', 'three']) send(full, m);
    });
    await page.waitForSelector(`[data-testid="process-row"][data-pid="${full}"] td[data-col="mailbox"]:text-is("3")`, {
      state: 'attached',
    });
    await page.click('th button[data-sort="mailbox"]');
    assert.equal(await page.getAttribute('th:has(button[data-sort="mailbox"])', 'aria-sort'), 'descending');
    assert.equal(await page.getAttribute('th:has(button[data-sort="pid"])', 'aria-sort'), 'none');
    assert.equal((await rowPids(page))[0], String(full));
    await shot(page, 'processes');
    await page.click('th button[data-sort="pid"]');
    assert.equal(await page.getAttribute('th:has(button[data-sort="pid"])', 'aria-sort'), 'ascending');
  });

  it('a pid’s page shows its links, its graph and (a GenServer) its state', async () => {
    // A pair: a plain process, linked to the GenServer it started.
    let holder: Pid | undefined;
    const server = await within(
      new Promise<Pid>((resolve) => {
        holder = spawn(async function holder() {
          resolve(await GenServer.startLink(tally, 42));
          await receive(['stop']);
        });
      }),
      'the GenServer',
    );
    assert.ok(holder !== undefined);
    started.push(holder, server);
    await openProcess(page, server);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="detail-state"]')?.textContent === '{tally,42}',
      undefined,
      { polling: 50 },
    );
    assert.equal(await text(page, '[data-testid="detail-links"]'), String(holder));
    assert.match(await text(page, '[data-testid="detail-title"]'), /gen_server/);
    // The graph: both processes, and the link between them.
    const edges = await page.$$eval('[data-testid="graph-edge"]', (els) =>
      els.map((e) => [e.getAttribute('data-kind'), e.getAttribute('data-from'), e.getAttribute('data-to')].join(' ')),
    );
    assert.ok(
      edges.includes(`link ${server} ${holder}`) || edges.includes(`link ${holder} ${server}`),
      `a link edge between ${server} and ${holder} in ${edges.join(', ')}`,
    );
    const nodes = await page.$$eval('[data-testid="graph-node"]', (els) => els.map((e) => e.getAttribute('data-pid')));
    assert.deepEqual(new Set(nodes), new Set([String(server), String(holder)]));
    await shot(page, 'process');
    // The link in the facts leads to the other process's page.
    await page.click(`[data-testid="detail-links"] a`);
    await page.waitForFunction(
      (p) => document.querySelector('[data-testid="detail-pid"]')?.textContent === p,
      String(holder),
      { polling: 50 },
    );
    await page.waitForFunction(
      () => document.querySelector('[data-testid="detail-state"]')?.textContent === '(not a GenServer or GenStatem)',
      undefined,
      { polling: 50 },
    );
  });

  it('kills a process from its page, with the reason typed, after a confirmation; its row goes', async () => {
    const victim = spawn(idle);
    started.push(victim);
    const watched = watch(victim);
    await within(watched.ready, 'the watcher');
    await openProcess(page, victim);
    await page.fill('[data-testid="kill-reason"]', 'bye_from_the_page');
    const dialog = page.waitForEvent('dialog');
    const click = page.click('[data-testid="kill-button"]');
    const confirm = await dialog;
    assert.equal(confirm.type(), 'confirm');
    assert.match(confirm.message(), new RegExp(`${String(victim)}.*bye_from_the_page`));
    await confirm.accept();
    await click;
    assert.equal(await within(watched.down, 'the DOWN of the killed process'), 'bye_from_the_page');
    await page.waitForSelector('[data-testid="detail-error"]:not([hidden])');
    assert.match(await text(page, '[data-testid="detail-error"]'), /has exited/);
    await showProcesses(page);
    await page.waitForSelector(`[data-testid="process-row"][data-pid="${victim}"]`, { state: 'detached' });
    // The others stay.
    const shown = new Set(await rowPids(page));
    assert.ok(started.slice(0, 200).every((p) => shown.has(String(p))));
  });

  it('a dismissed confirmation kills nothing', async () => {
    const survivor = spawn(idle);
    started.push(survivor);
    await openProcess(page, survivor);
    page.once('dialog', (d) => void d.dismiss());
    await page.click('[data-testid="kill-button"]');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="kill-result"]')?.textContent === 'Cancelled.',
    );
    assert.ok(isAlive(survivor));
  });

  it('traces a ping-pong pair: an arrow per message, between their lifelines', async () => {
    const pong = spawn(ponger);
    const ping = spawn(pinger);
    started.push(pong, ping);
    await showProcesses(page, String(ping));
    await page.waitForSelector(`[data-testid="process-row"][data-pid="${ping}"]`);
    await page.click('[data-testid="tab-trace"]');
    await page.fill('[data-testid="trace-pids"]', `${ping} ${pong}`);
    await page.click('[data-testid="trace-start"]');
    await page.waitForSelector('[data-testid="trace-status"][data-state="running"]');
    await run(() => send(ping, ['go', 6, pong]));
    // 'go' (from a process not traced), then 6 pings and 6 pongs.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="trace-arrow"]').length >= 13, undefined, {
      polling: 50,
    });
    const arrows = await page.$$eval('[data-testid="trace-arrow"]', (els) =>
      els.map((e) => ({
        from: e.getAttribute('data-from'),
        to: e.getAttribute('data-to'),
        kind: e.getAttribute('data-kind'),
        text: e.querySelector('text.msg')?.textContent ?? '',
      })),
    );
    assert.equal(arrows.length, 13);
    const go = arrows.shift();
    // Its sender is not traced: an arrow of its own, into the pinger's lifeline.
    assert.deepEqual(go, { from: '?', to: String(ping), kind: 'received', text: `? {go,6,${pong}}` });
    for (let i = 0; i < 6; i++) {
      // Newest at the bottom: ping i, then pong i; each received (both ends traced).
      assert.deepEqual(arrows[2 * i], {
        from: String(ping),
        to: String(pong),
        kind: 'delivered',
        text: `{ping,${ping},${i}}`,
      });
      assert.deepEqual(arrows[2 * i + 1], {
        from: String(pong),
        to: String(ping),
        kind: 'delivered',
        text: `{pong,${i}}`,
      });
    }
    const lanes = await page.$$eval('[data-testid="trace-lifeline"]', (els) =>
      els.map((e) => e.getAttribute('data-pid')),
    );
    assert.deepEqual(lanes, [String(ping), String(pong)]);
    await shot(page, 'trace');
    await page.click('[data-testid="trace-stop"]');
    await page.waitForSelector('[data-testid="trace-status"][data-state="stopped"]');
    assert.match(await text(page, '[data-testid="trace-status"]'), /stopped\) after 25 messages/);
  });

  it('draws a supervision tree and shows the new pid of a child its supervisor restarted', async () => {
    const quiet = { report: () => {} };
    const sup = await Supervisor.start(
      {
        strategy: 'one_for_one',
        children: [
          { id: 'cache', start: () => GenServer.startLink(tally, 1) },
          {
            id: 'workers',
            type: 'supervisor',
            start: () =>
              Supervisor.startLink(
                {
                  strategy: 'rest_for_one',
                  children: [
                    { id: 'worker_a', start: () => GenServer.startLink(tally, 2) },
                    { id: 'worker_b', start: () => GenServer.startLink(tally, 3) },
                  ],
                },
                quiet,
              ),
          },
        ],
      },
      { ...quiet, name: 'observer_test_sup' },
    );
    started.push(sup);
    const cachePid = async (): Promise<Pid | 'restarting' | undefined> =>
      (await Supervisor.whichChildren(sup)).find((c) => c.id === 'cache')?.pid;
    const old = await cachePid();
    assert.ok(typeof old === 'object', 'the cache runs');
    const before = String(old);
    await page.click('[data-testid="tab-supervisors"]');
    const node = `[data-testid="sup-tree"][data-pid="${sup}"] [data-testid="sup-node"]`;
    await page.waitForSelector(`${node}[data-id="cache"][data-pid="${before}"]`);
    await page.waitForSelector(`${node}[data-id="worker_b"]`);
    const ids = await page.$$eval(node, (els) => els.map((e) => e.getAttribute('data-id')));
    assert.deepEqual(new Set(ids), new Set(['observer_test_sup', 'cache', 'workers', 'worker_a', 'worker_b']));
    const down = watch(old);
    await within(down.ready, 'the watcher');
    await run(() => exit(old, 'kill'));
    assert.equal(await within(down.down, 'the DOWN of the cache'), 'killed');
    let now = await cachePid();
    for (let i = 0; (typeof now !== 'object' || String(now) === before) && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 10));
      now = await cachePid();
    }
    assert.ok(typeof now === 'object' && String(now) !== before, 'the supervisor restarted the child');
    const after = String(now);
    await page.waitForSelector(`${node}[data-id="cache"][data-pid="${after}"].restarted`);
    assert.equal(await text(page, `${node}[data-id="cache"] .tree-restarts`), '↻ 1');
    await shot(page, 'supervisors');
    await Supervisor.stop(sup);
  });

  it('raised no errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
