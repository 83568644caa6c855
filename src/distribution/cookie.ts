import { open, stat, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { customAlphabet } from 'nanoid';
import { BadArgError } from '../runtime/errors.js';

/**
 * The magic cookie, found as Erlang's `auth` finds it (OTP 25, checked with
 * `erl` in a scratch HOME):
 * 1. a cookie given in the options (Erlang's `-setcookie`);
 * 2. else `$HOME/.erlang.cookie`;
 * 3. else the user config directory's `erlang/.erlang.cookie`
 *    (`$XDG_CONFIG_HOME/erlang`, `~/.config/erlang` on Linux);
 * 4. else a new `$HOME/.erlang.cookie` holding 20 random uppercase letters,
 *    mode 0400, its times set back to midnight as Erlang does.
 *
 * Erlang refuses to start distribution (it does not just warn) when the file
 * is not a regular file, when group or others may access it on Unix ("Cookie
 * file ... must be accessible by owner only"), when it cannot be read, or
 * when it holds anything but printable ASCII followed by spaces and line
 * ends. The same cases throw {@link CookieError} here, with Erlang's words.
 */

/** Why a cookie file could not be used. */
export type CookieErrorCode =
  | 'not_regular_file'
  | 'not_owner_only'
  | 'unreadable'
  | 'bad_characters'
  | 'too_short'
  | 'create_failed';

/**
 * A cookie file that Erlang would refuse too; the message is Erlang's.
 *
 * @example
 * ```ts
 * try {
 *   await startNode('beamish@127.0.0.1'); // no cookie given: it reads ~/.erlang.cookie
 * } catch (e) {
 *   // Erlang: "Cookie file /home/me/.erlang.cookie must be accessible by owner only"
 *   if (e instanceof CookieError && e.code === 'not_owner_only') console.error(`chmod 400 ${e.path}`);
 * }
 * ```
 */
export class CookieError extends Error {
  /** `'CookieError'`, for stack traces and logs. */
  override readonly name = 'CookieError';
  constructor(
    /** What is wrong with the file, as a stable name to switch on. */
    readonly code: CookieErrorCode,
    /** The cookie file concerned. */
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where to look for the cookie, and the cookie itself when it is given. */
export interface CookieOptions {
  /** The cookie to use (Erlang's `-setcookie`); no file is read or created. */
  readonly cookie?: string;
  /** The home directory; defaults to `$HOME`, else `os.homedir()`. */
  readonly home?: string;
  /** The user config directory Erlang also looks in; defaults as `filename:basedir(user_config, "erlang")`. */
  readonly configDir?: string;
}

const randomLetters = customAlphabet('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 20);

/**
 * A new random cookie: 20 uppercase letters, the shape of the ones Erlang writes.
 *
 * @example
 * ```ts
 * randomCookie(); // 'HRAWOJMUKZGCCAMJUHAG'
 * await startNode('beamish@127.0.0.1', { cookie: randomCookie() }); // only nodes told this cookie can connect
 * ```
 */
export function randomCookie(): string {
  return randomLetters();
}

/**
 * Checks a cookie given by the caller: a non-empty string of Latin-1
 * characters (the digest is an MD5 over its bytes, as Erlang's over the
 * characters of the cookie atom).
 *
 * @example
 * ```ts
 * import { checkCookie } from './cookie.js';
 * checkCookie('secret'); // 'secret'
 * checkCookie(''); // throws BadArgError
 * ```
 */
export function checkCookie(cookie: string, fn = 'checkCookie', argument = 'cookie'): string {
  if (typeof cookie !== 'string' || cookie.length === 0) {
    throw new BadArgError(fn, argument, 'expected a non-empty string');
  }
  for (let i = 0; i < cookie.length; i++) {
    if (cookie.charCodeAt(i) > 0xff) {
      throw new BadArgError(fn, argument, `the cookie must be Latin-1 text; character ${i} is beyond U+00FF`);
    }
  }
  return cookie;
}

/**
 * The cookie to use: the given one, else the one in the cookie file, which is
 * created when there is none (see the module comment).
 *
 * @example
 * ```ts
 * await findCookie({ cookie: 'secret' }); // 'secret'
 * await findCookie(); // what ~/.erlang.cookie holds (created if missing), as Erlang's erlang:get_cookie()
 * ```
 */
export async function findCookie(options: CookieOptions = {}): Promise<string> {
  if (options.cookie !== undefined) return checkCookie(options.cookie, 'findCookie', 'options.cookie');
  const home = options.home ?? process.env.HOME ?? homedir();
  const homeFile = join(home, '.erlang.cookie');
  const configFile = join(options.configDir ?? userConfigDir(home), '.erlang.cookie');
  for (const path of [homeFile, configFile]) {
    const cookie = await readCookieFile(path);
    if (cookie !== undefined) return cookie;
  }
  await createCookieFile(homeFile);
  const created = await readCookieFile(homeFile);
  if (created === undefined) {
    throw new CookieError('create_failed', homeFile, `Cookie file ${homeFile} vanished right after it was created`);
  }
  return created;
}

/** Erlang's `filename:basedir(user_config, "erlang")` on Linux, macOS and Windows. */
function userConfigDir(home: string): string {
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'erlang');
  if (process.platform === 'win32') {
    return join(process.env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'erlang');
  }
  const xdg = process.env.XDG_CONFIG_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(home, '.config'), 'erlang');
}

/** The cookie in `path`, or undefined when there is no such file. */
async function readCookieFile(path: string): Promise<string | undefined> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw new CookieError('unreadable', path, `Error when reading ${path}: ${errorCode(err) ?? String(err)}`);
  }
  if (!info.isFile()) {
    throw new CookieError('not_regular_file', path, `Cookie file ${path} is not a regular file`);
  }
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new CookieError(
      'not_owner_only',
      path,
      `Cookie file ${path} must be accessible by owner only (chmod 400 ${path})`,
    );
  }
  let text: string;
  try {
    const file = await open(path, 'r');
    try {
      text = (await file.readFile()).toString('latin1');
    } finally {
      await file.close();
    }
  } catch (err) {
    throw new CookieError('unreadable', path, `Error when reading ${path}: ${errorCode(err) ?? String(err)}`);
  }
  return parseCookieText(text, path);
}

/**
 * The cookie in a file's text, as `auth:check_cookie/2` reads it: printable
 * ASCII (space included), then nothing but spaces, CR and LF.
 */
function parseCookieText(text: string, path: string): string {
  let end = 0;
  while (end < text.length && text.charCodeAt(end) >= 0x20 && text.charCodeAt(end) <= 0x7e) end++;
  if (!/^[\n\r ]*$/.test(text.slice(end))) {
    throw new CookieError('bad_characters', path, `Bad characters in cookie (in ${path})`);
  }
  if (end === 0) throw new CookieError('too_short', path, `Too short cookie string (in ${path})`);
  return text.slice(0, end);
}

async function createCookieFile(path: string): Promise<void> {
  try {
    // 'wx': another process creating it at the same moment wins, and we read theirs.
    await writeFile(path, randomCookie(), { mode: 0o400, flag: 'wx' });
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return;
    throw new CookieError(
      'create_failed',
      path,
      `Failed to create cookie file '${path}': ${errorCode(err) ?? String(err)}`,
    );
  }
  // Erlang sets the file's times back to midnight so they do not tell when
  // the cookie was made; a failure here is not worth refusing the cookie.
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  await utimes(path, midnight, midnight).catch(() => undefined);
}

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}
