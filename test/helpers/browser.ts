import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/**
 * Debian's chromium (`apt-get install chromium`, which `.ci/run` does),
 * driven by playwright-core: no browser download, no network. The binary
 * itself, /usr/lib/chromium/chromium, when it is there: the /usr/bin/chromium
 * wrapper sources /etc/chromium.d, which turns remote extensions on and
 * loads the installed ones; else whatever `chromium` the PATH has.
 */
export function chromiumPath(): string | undefined {
  const candidates = [
    '/usr/lib/chromium/chromium',
    ...(process.env.PATH ?? '')
      .split(delimiter)
      .filter((dir) => dir !== '')
      .map((dir) => join(dir, 'chromium')),
  ];
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not there: the next one.
    }
  }
  return undefined;
}

/** Why the browser tests cannot run here, for `skippable`; undefined when they can. */
export function chromiumMissing(): string | undefined {
  if (chromiumPath() !== undefined) return undefined;
  return 'chromium not found (neither /usr/lib/chromium/chromium nor chromium on the PATH); apt-get install chromium';
}

/**
 * Headless, as root (no sandbox), no GPU, and off the network: no
 * background requests, no component or sync updates, and every host name
 * but 127.0.0.1 made unresolvable, so the page under test can reach
 * nothing else.
 */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-sync',
  '--metrics-recording-only',
  '--no-default-browser-check',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

export interface LaunchedBrowser {
  /** The browser's one context, on a fresh profile. */
  readonly context: BrowserContext;
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>;
}

/** Starts chromium on a fresh temporary profile, deleted by `close()`. */
export async function launchChromium(viewport = { width: 1280, height: 800 }): Promise<LaunchedBrowser> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) throw new Error(chromiumMissing());
  const profile = await mkdtemp(join(tmpdir(), 'beamish-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ARGS,
      viewport,
      // The screenshots are for people to read: one colour scheme, whatever the machine's.
      colorScheme: 'light',
    });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  return {
    context,
    async close() {
      try {
        await context.close();
      } finally {
        await rm(profile, { recursive: true, force: true });
      }
    },
  };
}
