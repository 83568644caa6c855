import { createInterface, type Interface } from 'node:readline';

/**
 * Hands the REPL one line at a time when input is not a terminal (a pipe, a
 * file, a test's stream): the next line goes in only once the REPL shows its
 * prompt again, that is once the previous line is done, awaits included.
 *
 * Node's REPL reads piped input as fast as it comes, and a line that awaits
 * lets the next ones run meanwhile: `await sleep(100); 1` then `2` prints
 * `2` before `1` (seen on Node 20 with Node's own REPL), and a `flush()` on
 * the next line could take the messages the awaiting line waits for. On a
 * terminal Node's REPL holds keys typed during an await itself.
 *
 * ```ts
 * const gate = new LineGate(process.stdin, (line) => server.write(`${line}\n`), () => server.close());
 * // wrap server.displayPrompt to call gate.ready() after it
 * ```
 */
export class LineGate {
  private readonly queue: string[] = [];
  private readonly reader: Interface;
  private isReady = true;
  private ended = false;
  private closed = false;

  constructor(
    input: NodeJS.ReadableStream,
    /** Gives one line to the REPL. */
    private readonly deliver: (line: string) => void,
    /** Called once input has ended and every line was taken. */
    private readonly onEnd: () => void,
  ) {
    this.reader = createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
    this.reader.on('line', (line) => {
      this.queue.push(line);
      this.pump();
    });
    this.reader.on('close', () => {
      this.ended = true;
      this.pump();
    });
  }

  /**
   * The REPL shows its prompt: it takes the next line, in the next turn of
   * the event loop, so that processes the line spawned or sent to run first,
   * as they would between two lines typed by hand.
   */
  ready(): void {
    setImmediate(() => {
      this.isReady = true;
      this.pump();
    });
  }

  /** Stops reading: the REPL closed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.reader.close();
  }

  private pump(): void {
    if (this.closed || !this.isReady) return;
    const line = this.queue.shift();
    if (line !== undefined) {
      this.isReady = false;
      this.deliver(line);
    } else if (this.ended) {
      this.close();
      this.onEnd();
    }
  }
}
