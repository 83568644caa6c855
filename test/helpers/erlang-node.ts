/**
 * Real Erlang for the distribution tests: a private epmd on a free port (so
 * tests never touch a user's epmd on 4369 nor collide with each other), and
 * `erl` nodes registered with it, each running a small loop that evaluates
 * Erlang expressions sent on its stdin and prints their values.
 *
 * Everything started here is stopped by its `stop()`; tests call it in
 * after-hooks. A node whose stdin closes halts by itself, so a test run that
 * dies leaves no node behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import net from 'node:net';
import { delimiter, join } from 'node:path';
import { EpmdError, listNodes } from '../../src/distribution/epmd.js';

let availability: { reason: string | undefined } | undefined;

/**
 * Why the Erlang tests cannot run here (`erl` or `epmd` not on the PATH), or
 * undefined when they can. Use as `it(..., { skip: erlAvailable() }, ...)`.
 */
export function erlAvailable(): string | undefined {
  if (availability === undefined) {
    const missing = ['erl', 'epmd'].filter((command) => !onPath(command));
    availability = {
      reason: missing.length === 0 ? undefined : `${missing.join(' and ')} not found; apt-get install erlang-nox`,
    };
  }
  return availability.reason;
}

function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An epmd of our own, in the foreground, on loopback only. */
export interface PrivateEpmd {
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `epmd -port <free port>` and waits (at most 5 s) until it answers NAMES_REQ. */
export async function startEpmd(): Promise<PrivateEpmd> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn('epmd', ['-port', String(port)], {
      stdio: 'ignore',
      env: { ...process.env, ERL_EPMD_ADDRESS: '127.0.0.1' },
    });
    child.on('error', () => undefined); // seen as an early exit below
    const stop = async (): Promise<void> => {
      child.kill('SIGKILL');
      await exited(child);
    };
    for (let i = 0; i < 100 && child.exitCode === null; i++) {
      try {
        await listNodes({ port, timeoutMs: 1000 });
        return { port, process: child, stop };
      } catch (err) {
        if (!(err instanceof EpmdError && err.code === 'epmd_not_running')) throw err;
        await sleep(50);
      }
    }
    await stop(); // the port was taken meanwhile, or epmd never answered: try another
  }
  throw new Error('could not start a private epmd in 3 attempts');
}

/** How to start an `erl` node. */
export interface ErlNodeOptions {
  /** The full node name; a host with dots makes it a `-name` node, else `-sname`. */
  readonly name: string;
  /** `-setcookie`; without it the node reads (or creates) the cookie file in `home`. */
  readonly cookie?: string;
  /** HOME for the node; default this process's. */
  readonly home?: string;
  /** The private epmd's port (passed as ERL_EPMD_PORT; erl is told not to start one). */
  readonly epmdPort: number;
  /** `-kernel net_ticktime`, in seconds (Erlang's minimum is 1). */
  readonly netTicktime?: number;
  readonly hidden?: boolean;
}

/** A running `erl` node. */
export interface ErlNode {
  readonly name: string;
  readonly process: ChildProcess;
  /** Everything the node wrote to stdout and stderr that is not an answer (error reports, say). */
  readonly output: string[];
  /**
   * Evaluates Erlang expressions (one line; the final '.' may be left off)
   * in a fresh process of the node and resolves with the value as `~w`
   * writes it; rejects with Erlang's exception, or after `timeoutMs`.
   */
  eval(expressions: string, timeoutMs?: number): Promise<string>;
  /** Kills the node (SIGCONT first, in case a test stopped it) and waits for it to be gone. */
  stop(): Promise<void>;
}

/**
 * The loop the node runs: each stdin line is `Id Expressions`; a fresh
 * process evaluates them and prints `<<Id ok Value>>` or `<<Id error {Class,Reason}>>`.
 * End of stdin halts the node.
 */
const EVAL_LOOP = `
Loop = fun Loop() ->
  case io:get_line("") of
    eof -> erlang:halt(0);
    {error, _} -> erlang:halt(0);
    Line ->
      {Id, [$\\s | Src]} = lists:splitwith(fun(C) -> C =/= $\\s end, string:trim(Line, trailing, "\\n")),
      spawn(fun() ->
        {Status, Value} =
          try
            {ok, Tokens, _} = erl_scan:string(Src),
            {ok, Exprs} = erl_parse:parse_exprs(Tokens),
            {value, V, _} = erl_eval:exprs(Exprs, erl_eval:new_bindings()),
            {ok, V}
          catch Class:Reason -> {error, {Class, Reason}}
          end,
        io:format("<<~s ~w ~w>>~n", [Id, Status, Value])
      end),
      Loop()
  end
end,
Loop().`;

/** Starts `erl` with the eval loop, and waits (at most 15 s) until it answers. */
export async function startErlNode(options: ErlNodeOptions): Promise<ErlNode> {
  const long = options.name.split('@')[1]?.includes('.') ?? false;
  const args = [
    long ? '-name' : '-sname',
    options.name,
    '-noshell',
    '-start_epmd',
    'false',
    '-kernel',
    'inet_dist_use_interface',
    '{127,0,0,1}',
  ];
  if (options.cookie !== undefined) args.push('-setcookie', options.cookie);
  if (options.netTicktime !== undefined) args.push('-kernel', 'net_ticktime', String(options.netTicktime));
  if (options.hidden === true) args.push('-hidden');
  args.push('-eval', EVAL_LOOP);
  const child = spawn('erl', args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ERL_EPMD_PORT: String(options.epmdPort),
      ...(options.home === undefined ? {} : { HOME: options.home }),
    },
  });
  child.on('error', () => undefined);
  child.stdin?.on('error', () => undefined); // writes after the node died
  const output: string[] = [];
  const waiting = new Map<string, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  let text = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    text += chunk;
    let newline = text.indexOf('\n');
    while (newline >= 0) {
      const line = text.slice(0, newline);
      text = text.slice(newline + 1);
      const answer = /^<<(\d+) (ok|error) (.*)>>$/.exec(line);
      const waiter = answer?.[1] === undefined ? undefined : waiting.get(answer[1]);
      if (answer !== null && waiter !== undefined && answer[1] !== undefined) {
        waiting.delete(answer[1]);
        if (answer[2] === 'ok') waiter.resolve(answer[3] ?? '');
        else waiter.reject(new Error(`${options.name} raised ${answer[3]}`));
      } else {
        output.push(line);
      }
      newline = text.indexOf('\n');
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => output.push(chunk));
  child.once('exit', (code, signal) => {
    for (const waiter of waiting.values()) {
      waiter.reject(new Error(`${options.name} exited (${code ?? signal}): ${output.join('\n')}`));
    }
    waiting.clear();
  });

  let nextId = 1;
  const node: ErlNode = {
    name: options.name,
    process: child,
    output,
    eval(expressions, timeoutMs = 10_000) {
      const id = String(nextId++);
      const source = expressions.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
      return new Promise((resolve, reject) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          reject(new Error(`${options.name} is not running`));
          return;
        }
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`${options.name} did not answer '${source}' in ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          reject: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        });
        child.stdin?.write(`${id} ${source}.\n`);
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
      await exited(child);
    },
  };
  try {
    const self = await node.eval('node()', 15_000);
    if (self !== `'${options.name}'` && self !== options.name)
      throw new Error(`expected node() = ${options.name}, got ${self}`);
  } catch (err) {
    await node.stop();
    throw new Error(`erl ${options.name} did not start: ${(err as Error).message}\n${output.join('\n')}`);
  }
  return node;
}

/**
 * Compiles and loads an Erlang module on `node` from its source (no file:
 * the forms are parsed and compiled in memory), so a test can run a real
 * `gen_server` of its own. The source must hold no `%` comments (the line
 * it travels on has its whitespace folded). Rejects with the compiler's
 * complaint.
 */
export async function loadErlModule(node: ErlNode, source: string): Promise<void> {
  const literal = `"${source.replace(/[\\"]/g, '\\$&')}"`;
  await node.eval(
    `begin
       {ok, Tokens, _} = erl_scan:string(${literal}),
       Split = fun S([], [], Out) -> lists:reverse(Out);
                   S([{dot, _} = D | Rest], Acc, Out) -> S(Rest, [], [lists:reverse([D | Acc]) | Out]);
                   S([T | Rest], Acc, Out) -> S(Rest, [T | Acc], Out) end,
       Forms = [begin {ok, F} = erl_parse:parse_form(Ts), F end || Ts <- Split(Tokens, [], [])],
       {ok, Module, Binary} = compile:forms(Forms, [return_errors]),
       {module, Module} = code:load_binary(Module, "nofile", Binary),
       Module
     end`,
  );
}
