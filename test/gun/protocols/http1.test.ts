import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Headers } from '../../../src/gun/headers.js';
import { WS_DEFAULTS } from '../../../src/gun/options.js';
import { Http1, type Http1Options, hostHeader } from '../../../src/gun/protocols/http1.js';
import type { Command, Stream, StreamEvent } from '../../../src/gun/protocols/protocol.js';
import { makeRef, type Ref, self } from '../../../src/runtime/index.js';

// -- helpers ------------------------------------------------------------------

function http(opts: Partial<Http1Options> = {}): Http1 {
  return new Http1({ host: 'example.com', port: 80, transport: 'tcp', version: 'HTTP/1.1', ...opts });
}

function mkStream(upgrade = false): Stream {
  return { ref: makeRef(), replyTo: self(), upgrade };
}

const NO_FLOW = { flow: Infinity };

/** A GET with an empty body (as gun.get sends it), returning its stream. */
function get(h: Http1, path = '/', out: Command[] = [], headers: Headers = [], flow = Infinity): Stream {
  const s = mkStream();
  h.request(s, 'GET', path, headers, Buffer.alloc(0), { flow }, out);
  return s;
}

/** The bytes written, as Latin-1 text. */
function written(out: readonly Command[]): string {
  return out
    .filter((c): c is Extract<Command, { type: 'write' }> => c.type === 'write')
    .map((c) => (typeof c.data === 'string' ? c.data : c.data.toString('latin1')))
    .join('');
}

/** The events delivered to `s`, in order. */
function events(out: readonly Command[], s: Stream): StreamEvent[] {
  return out
    .filter((c): c is Extract<Command, { type: 'deliver' }> => c.type === 'deliver' && c.stream === s)
    .map((c) => c.event);
}

/** The events delivered to `s`, data as text. */
function texts(out: readonly Command[], s: Stream): unknown[] {
  return events(out, s).map((e) => (e[0] === 'data' ? ['data', e[1], e[2].toString('latin1')] : e));
}

/**
 * Commands in a form that does not depend on how the input was split:
 * streams by their index, data as text, and the data events of one stream
 * that follow each other joined into one (the last one's fin wins). A body
 * is as many data events as it came in pieces; what it says must not change.
 */
function normalize(out: readonly Command[], streams: readonly Stream[]): unknown[] {
  const norm: unknown[] = [];
  let last: { index: number; isFin: string; text: string } | undefined;
  for (const c of out) {
    if (c.type === 'deliver' && c.event[0] === 'data') {
      const index = streams.indexOf(c.stream);
      if (last !== undefined && last.index === index) {
        last.isFin = c.event[1];
        last.text += c.event[2].toString('latin1');
        continue;
      }
      last = { index, isFin: c.event[1], text: c.event[2].toString('latin1') };
      norm.push(last);
      continue;
    }
    last = undefined;
    if (c.type === 'deliver') norm.push({ index: streams.indexOf(c.stream), event: c.event });
    else if (c.type === 'write') norm.push({ write: Buffer.from(c.data).toString('latin1') });
    else norm.push(c);
  }
  return norm.map((n) => (typeof n === 'object' && n !== null && 'text' in n ? { ...n } : n));
}

/** The index of the stream `x` (a stream or a ref) in `streams`. */
function streamsOf(streams: readonly Stream[], x: Stream | Ref | undefined): number {
  return streams.findIndex((s) => s === x || s.ref === x);
}

/** Feeds `bytes` in pieces cut at `cuts`. */
function feed(h: Http1, bytes: Buffer, cuts: readonly number[], out: Command[]): void {
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut <= from || cut >= bytes.length) continue;
    h.handle(bytes.subarray(from, cut), out);
    from = cut;
  }
  h.handle(bytes.subarray(from), out);
}

function byteByByte(h: Http1, bytes: Buffer, out: Command[]): void {
  for (let i = 0; i < bytes.length; i++) h.handle(bytes.subarray(i, i + 1), out);
}

function closes(out: readonly Command[]): unknown[] {
  return out.filter((c) => c.type === 'close').map((c) => (c.type === 'close' ? c.reason : undefined));
}

function errors(out: readonly Command[]): { ref: unknown; reason: unknown }[] {
  return out.flatMap((c) => (c.type === 'error' ? [{ ref: c.ref, reason: c.reason }] : []));
}

function actives(out: readonly Command[]): boolean[] {
  return out.flatMap((c) => (c.type === 'active' ? [c.active] : []));
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

// -- requests -------------------------------------------------------------------

describe('Http1 requests', () => {
  it('writes the request line, content-length, host, then the headers in their order (as Gun)', () => {
    const h = http();
    const out: Command[] = [];
    h.request(
      mkStream(),
      'POST',
      '/submit?x=1',
      [
        ['content-type', 'text/plain'],
        ['x-b', 'two  words'],
        ['x-a', '1'],
        ['x-a', '2'],
      ],
      b('hello'),
      NO_FLOW,
      out,
    );
    assert.equal(
      written(out),
      'POST /submit?x=1 HTTP/1.1\r\ncontent-length: 5\r\nhost: example.com\r\n' +
        'content-type: text/plain\r\nx-b: two  words\r\nx-a: 1\r\nx-a: 2\r\n\r\nhello',
    );
  });

  it('sends content-length: 0 with a GET, as gun:get does (its body is <<>>)', () => {
    const h = http();
    const out: Command[] = [];
    get(h, '/', out, [['accept', '*/*']]);
    assert.equal(written(out), 'GET / HTTP/1.1\r\ncontent-length: 0\r\nhost: example.com\r\naccept: */*\r\n\r\n');
  });

  it("drops the caller's transfer-encoding, and its content-length for a whole body", () => {
    const h = http();
    const out: Command[] = [];
    h.request(
      mkStream(),
      'PUT',
      '/x',
      [
        ['transfer-encoding', 'chunked'],
        ['content-length', '999'],
        ['x-y', 'z'],
      ],
      b('abc'),
      NO_FLOW,
      out,
    );
    assert.equal(written(out), 'PUT /x HTTP/1.1\r\ncontent-length: 3\r\nhost: example.com\r\nx-y: z\r\n\r\nabc');
  });

  it('writes the host as Gun: no default port, other ports kept, IPv6 in brackets, a given host kept', () => {
    assert.equal(hostHeader('tcp', 'example.com', 80), 'example.com');
    assert.equal(hostHeader('tls', 'example.com', 443), 'example.com');
    assert.equal(hostHeader('tcp', 'example.com', 443), 'example.com:443');
    assert.equal(hostHeader('tls', 'example.com', 80), 'example.com:80');
    assert.equal(hostHeader('tcp', '127.0.0.1', 8080), '127.0.0.1:8080');
    assert.equal(hostHeader('tcp', '::1', 8080), '[::1]:8080');
    assert.equal(hostHeader('tls', '2001:db8::1', 443), '[2001:db8::1]');
    const out: Command[] = [];
    get(http({ host: '::1', port: 8080 }), '/', out);
    assert.match(written(out), /\r\nhost: \[::1\]:8080\r\n/);
    const given: Command[] = [];
    get(http(), '/', given, [['host', 'other.example:1234']]);
    assert.equal(written(given), 'GET / HTTP/1.1\r\ncontent-length: 0\r\nhost: other.example:1234\r\n\r\n');
  });

  it('writes the bytes exactly as given: validated values are not re-encoded, nothing is injected', () => {
    const h = http();
    const out: Command[] = [];
    get(h, '/a%0D%0Ab', out, [
      ['x-latin1', 'caf\u00e9'],
      ['x-tab', 'a\tb'],
      ['x-colon', 'a: b'],
    ]);
    const bytes = Buffer.concat(out.flatMap((c) => (c.type === 'write' ? [Buffer.from(c.data)] : [])));
    assert.deepEqual(
      bytes,
      Buffer.concat([
        b('GET /a%0D%0Ab HTTP/1.1\r\ncontent-length: 0\r\nhost: example.com\r\nx-latin1: caf'),
        Buffer.from([0xe9]),
        b('\r\nx-tab: a\tb\r\nx-colon: a: b\r\n\r\n'),
      ]),
    );
    // Exactly one empty line: the head ends where we say.
    assert.equal(bytes.toString('latin1').split('\r\n\r\n').length, 2);
  });

  it('writes a large body as its own write, without copying it', () => {
    const h = http();
    const out: Command[] = [];
    const body = Buffer.alloc(100_000, 1);
    h.request(mkStream(), 'POST', '/', [], body, NO_FLOW, out);
    assert.equal(out.length, 2);
    const second = out[1];
    assert.ok(second?.type === 'write' && second.data === body);
  });

  it('pipelines: every request is written at once, and responses are matched in order', () => {
    const h = http();
    const out: Command[] = [];
    const s1 = get(h, '/1', out);
    const s2 = get(h, '/2', out);
    const s3 = get(h, '/3', out);
    assert.equal(out.filter((c) => c.type === 'write').length, 3);
    const res: Command[] = [];
    h.handle(
      b(
        'HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nA' +
          'HTTP/1.1 201 Created\r\ncontent-length: 1\r\n\r\nB' +
          'HTTP/1.1 202 Accepted\r\ncontent-length: 1\r\n\r\nC',
      ),
      res,
    );
    assert.deepEqual(texts(res, s1), [
      ['response', 'nofin', 200, [['content-length', '1']]],
      ['data', 'fin', 'A'],
    ]);
    assert.deepEqual(texts(res, s2), [
      ['response', 'nofin', 201, [['content-length', '1']]],
      ['data', 'fin', 'B'],
    ]);
    assert.deepEqual(texts(res, s3), [
      ['response', 'nofin', 202, [['content-length', '1']]],
      ['data', 'fin', 'C'],
    ]);
    assert.equal(h.has(s1.ref), false);
  });

  it('streams a body with chunked framing when no content-length is given; fin writes the last chunk', () => {
    const h = http();
    const out: Command[] = [];
    const s = mkStream();
    h.request(s, 'POST', '/up', [['content-type', 'text/plain']], undefined, NO_FLOW, out);
    h.data(s.ref, self(), 'nofin', b('hello'), out);
    h.data(s.ref, self(), 'nofin', Buffer.alloc(0), out);
    h.data(s.ref, self(), 'nofin', b('x'.repeat(26)), out);
    h.data(s.ref, self(), 'fin', b('!'), out);
    assert.equal(
      written(out),
      'POST /up HTTP/1.1\r\ntransfer-encoding: chunked\r\nhost: example.com\r\ncontent-type: text/plain\r\n\r\n' +
        `5\r\nhello\r\n1a\r\n${'x'.repeat(26)}\r\n1\r\n!\r\n0\r\n\r\n`,
    );
    const after: Command[] = [];
    h.data(s.ref, self(), 'fin', b('late'), after);
    assert.deepEqual(errors(after), [{ ref: s.ref, reason: ['badstate', 'The stream has already been closed.'] }]);
  });

  it('ends a chunked body with an empty fin as the last chunk alone; a large chunk is not copied', () => {
    const h = http();
    const out: Command[] = [];
    const s = mkStream();
    h.request(s, 'POST', '/', [], undefined, NO_FLOW, out);
    const big = Buffer.alloc(70_000, 2);
    out.length = 0;
    h.data(s.ref, self(), 'nofin', big, out);
    assert.ok(out.some((c) => c.type === 'write' && c.data === big));
    assert.equal(written(out).slice(0, 7), '11170\r\n');
    const end: Command[] = [];
    h.data(s.ref, self(), 'fin', Buffer.alloc(0), end);
    assert.equal(written(end), '0\r\n\r\n');
  });

  it('streams a body raw when a content-length is given, and refuses more or less than it says', () => {
    const h = http();
    const out: Command[] = [];
    const s = mkStream();
    h.request(s, 'PUT', '/f', [['content-length', '6']], undefined, NO_FLOW, out);
    assert.equal(written(out), 'PUT /f HTTP/1.1\r\nhost: example.com\r\ncontent-length: 6\r\n\r\n');
    out.length = 0;
    h.data(s.ref, self(), 'nofin', b('abc'), out);
    h.data(s.ref, self(), 'nofin', b('defg'), out); // one byte too many
    h.data(s.ref, self(), 'fin', b('de'), out); // one byte short
    h.data(s.ref, self(), 'fin', b('def'), out);
    assert.equal(written(out), 'abcdef');
    assert.deepEqual(errors(out), [
      { ref: s.ref, reason: ['badstate', 'The request body would be longer than its content-length.'] },
      { ref: s.ref, reason: ['badstate', 'The request body ends before its content-length is reached.'] },
    ]);
    const bad: Command[] = [];
    const t = mkStream();
    h.request(t, 'PUT', '/f', [['content-length', 'ten']], undefined, NO_FLOW, bad);
    assert.equal(written(bad), '');
    assert.deepEqual(errors(bad), [
      {
        ref: t.ref,
        reason: ['invalid_request_header', 'content-length', 'The content-length header is not a valid length.'],
      },
    ]);
  });

  it('holds requests made while a body is being streamed, and writes them after its last data', () => {
    const h = http();
    const out: Command[] = [];
    const s = mkStream();
    h.request(s, 'POST', '/up', [], undefined, NO_FLOW, out);
    const g = get(h, '/after', out);
    h.data(s.ref, self(), 'nofin', b('ab'), out);
    assert.equal(
      written(out),
      'POST /up HTTP/1.1\r\ntransfer-encoding: chunked\r\nhost: example.com\r\n\r\n2\r\nab\r\n',
    );
    out.length = 0;
    h.data(s.ref, self(), 'fin', b('c'), out);
    assert.equal(
      written(out),
      '1\r\nc\r\n0\r\n\r\nGET /after HTTP/1.1\r\ncontent-length: 0\r\nhost: example.com\r\n\r\n',
    );
    const res: Command[] = [];
    h.handle(b('HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'), res);
    assert.deepEqual(events(res, s), [['response', 'fin', 204, []]]);
    assert.deepEqual(events(res, g), [['response', 'fin', 204, []]]);
  });

  it('takes the response to a request whose body is still being sent, and goes on accepting its body', () => {
    const h = http();
    const out: Command[] = [];
    const s = mkStream();
    h.request(s, 'POST', '/up', [], undefined, NO_FLOW, out);
    h.handle(b('HTTP/1.1 413 Too Large\r\ncontent-length: 0\r\n\r\n'), out);
    assert.deepEqual(events(out, s), [['response', 'fin', 413, [['content-length', '0']]]]);
    assert.equal(h.has(s.ref), true);
    out.length = 0;
    h.data(s.ref, self(), 'fin', b('x'), out);
    assert.equal(written(out), '1\r\nx\r\n0\r\n\r\n');
    assert.equal(h.has(s.ref), false);
  });

  it('gun_http.erl data/7: with no body being sent, any ref is "already closed"; while one is, an unknown ref is "cannot be found"', () => {
    const h = http();
    const out: Command[] = [];
    const s = get(h, '/', out);
    const unknown = makeRef();
    out.length = 0;
    // No request body is under way (Gun's out=head): closed, whatever the ref.
    h.data(unknown, self(), 'fin', b('x'), out);
    h.data(s.ref, self(), 'fin', b('x'), out);
    // A finished stream too, once its response is complete and it is forgotten.
    h.handle(b('HTTP/1.1 204 No Content\r\n\r\n'), out);
    assert.equal(h.has(s.ref), false);
    h.data(s.ref, self(), 'fin', b('x'), out);
    // A body under way: an unknown ref is not found, a stream with a whole body is closed.
    const up = mkStream();
    h.request(up, 'POST', '/up', [], undefined, NO_FLOW, out);
    const whole = get(h, '/', out);
    out.length = 0;
    h.data(unknown, self(), 'fin', b('x'), out);
    h.data(whole.ref, self(), 'fin', b('x'), out);
    assert.deepEqual(errors(out), [
      { ref: unknown, reason: ['badstate', 'The stream cannot be found.'] },
      { ref: whole.ref, reason: ['badstate', 'The stream has already been closed.'] },
    ]);
    assert.equal(written(out), '');
  });

  it('HTTP/1.0: writes HTTP/1.0, never chunked (a streamed body goes raw, as Gun)', () => {
    const h = http({ version: 'HTTP/1.0' });
    const out: Command[] = [];
    const s = mkStream();
    h.request(s, 'POST', '/up', [['connection', 'keep-alive']], undefined, NO_FLOW, out);
    h.data(s.ref, self(), 'nofin', b('ab'), out);
    h.data(s.ref, self(), 'fin', b('cd'), out);
    assert.equal(written(out), 'POST /up HTTP/1.0\r\nhost: example.com\r\nconnection: keep-alive\r\n\r\nabcd');
  });
});

// -- responses ------------------------------------------------------------------

describe('Http1 responses', () => {
  it('parses HTTP/1.1 and HTTP/1.0 status lines; names lower-cased, values trimmed, order and duplicates kept', () => {
    const h = http();
    const out: Command[] = [];
    const s1 = get(h, '/', out);
    h.handle(
      b(
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Dup:  one \t\r\nSet-Cookie: a=1\r\nx-dup: two\r\n' +
          'X-Empty:\r\nX-Fold: first\r\n  second\r\nX-Spaced : v\r\n\r\nok',
      ),
      out,
    );
    assert.deepEqual(texts(out, s1), [
      [
        'response',
        'nofin',
        200,
        [
          ['content-length', '2'],
          ['x-dup', 'one'],
          ['set-cookie', 'a=1'],
          ['x-dup', 'two'],
          ['x-empty', ''],
          ['x-fold', 'first second'],
          ['x-spaced', 'v'],
        ],
      ],
      ['data', 'fin', 'ok'],
    ]);
    const h10 = http();
    const o10: Command[] = [];
    const s2 = get(h10, '/', o10, [['connection', 'keep-alive']]);
    h10.handle(b('HTTP/1.0 404 Not Found\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n'), o10);
    assert.deepEqual(events(o10, s2), [
      [
        'response',
        'fin',
        404,
        [
          ['connection', 'keep-alive'],
          ['content-length', '0'],
        ],
      ],
    ]);
    // A status line without a reason phrase, and an HTTP/1.2 one (read as 1.1).
    const h2 = http();
    const o2: Command[] = [];
    const a = get(h2, '/', o2);
    const c = get(h2, '/', o2);
    h2.handle(b('HTTP/1.1 204\r\n\r\nHTTP/1.2 204 Fine\r\n\r\n'), o2);
    assert.deepEqual(events(o2, a), [['response', 'fin', 204, []]]);
    assert.deepEqual(events(o2, c), [['response', 'fin', 204, []]]);
  });

  it('reads a body by content-length, delivering pieces as they arrive, the last one fin', () => {
    const h = http();
    const out: Command[] = [];
    const s = get(h, '/', out);
    h.handle(b('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'), out);
    h.handle(b('defg'), out);
    h.handle(b('hij'), out);
    assert.deepEqual(texts(out, s), [
      ['response', 'nofin', 200, [['content-length', '10']]],
      ['data', 'nofin', 'abc'],
      ['data', 'nofin', 'defg'],
      ['data', 'fin', 'hij'],
    ]);
    assert.equal(h.has(s.ref), false);
  });

  it('reads a chunked body, ignoring chunk extensions; trailers come after the last data (nofin), as Gun', () => {
    const h = http();
    const out: Command[] = [];
    const s = get(h, '/', out);
    h.handle(
      b(
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
          '4;name=value\r\nWiki\r\n5 ; ext = "q"\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0;last\r\n' +
          'X-Checksum: abc\r\nX-Other:  1 \r\n\r\n',
      ),
      out,
    );
    assert.deepEqual(texts(out, s), [
      ['response', 'nofin', 200, [['transfer-encoding', 'chunked']]],
      ['data', 'nofin', 'Wiki'],
      ['data', 'nofin', 'pedia'],
      ['data', 'nofin', ' in\r\n\r\nchunks.'],
      [
        'trailers',
        [
          ['x-checksum', 'abc'],
          ['x-other', '1'],
        ],
      ],
    ]);
  });

  it('ends a chunked body without trailers with fin on the last piece, or an empty fin data', () => {
    const h = http();
    const out: Command[] = [];
    const s1 = get(h, '/', out);
    const s2 = get(h, '/', out);
    h.handle(b('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'), out);
    h.handle(b('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n'), out);
    h.handle(b('0\r\n\r\n'), out);
    assert.deepEqual(texts(out, s1).slice(1), [['data', 'fin', 'abc']]);
    assert.deepEqual(texts(out, s2).slice(1), [
      ['data', 'nofin', 'abc'],
      ['data', 'fin', ''],
    ]);
  });

  it('reads a body without length up to the close: down() ends it with an empty fin data', () => {
    const h = http();
    const out: Command[] = [];
    const s = get(h, '/', out);
    h.handle(b('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nsome'), out);
    h.handle(b(' more'), out);
    assert.equal(closes(out).length, 0);
    const end: Command[] = [];
    assert.deepEqual(h.down('closed', end), []);
    assert.deepEqual(texts([...out, ...end], s), [
      ['response', 'nofin', 200, [['content-type', 'text/plain']]],
      ['data', 'nofin', 'some'],
      ['data', 'nofin', ' more'],
      ['data', 'fin', ''],
    ]);
  });

  it('reads a transfer-encoding other than chunked as a body up to the close (RFC 9112 §6.3)', () => {
    const h = http();
    const out: Command[] = [];
    const s = get(h, '/', out);
    h.handle(b('HTTP/1.1 200 OK\r\ntransfer-encoding: identity\r\n\r\nraw bytes'), out);
    const end: Command[] = [];
    h.down('closed', end);
    assert.deepEqual(texts([...out, ...end], s).slice(1), [
      ['data', 'nofin', 'raw bytes'],
      ['data', 'fin', ''],
    ]);
  });

  it('HEAD, 204 and 304 responses have no body, whatever their content-length says', () => {
    const h = http();
    const out: Command[] = [];
    const head = mkStream();
    h.request(head, 'HEAD', '/', [], Buffer.alloc(0), NO_FLOW, out);
    const noContent = get(h, '/', out);
    const notModified = get(h, '/', out);
    const last = get(h, '/', out);
    h.handle(
      b(
        'HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n' +
          'HTTP/1.1 204 No Content\r\ncontent-length: 5\r\n\r\n' +
          'HTTP/1.1 304 Not Modified\r\ntransfer-encoding: chunked\r\n\r\n' +
          'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi',
      ),
      out,
    );
    assert.deepEqual(events(out, head), [['response', 'fin', 200, [['content-length', '1234']]]]);
    assert.deepEqual(events(out, noContent), [['response', 'fin', 204, [['content-length', '5']]]]);
    assert.deepEqual(events(out, notModified), [['response', 'fin', 304, [['transfer-encoding', 'chunked']]]]);
    assert.deepEqual(texts(out, last), [
      ['response', 'nofin', 200, [['content-length', '2']]],
      ['data', 'fin', 'hi'],
    ]);
  });

  it('delivers 100 Continue and 103 Early Hints as informs before the response', () => {
    const h = http();
    const out: Command[] = [];
    const s = mkStream();
    h.request(s, 'POST', '/', [['expect', '100-continue']], undefined, NO_FLOW, out);
    h.handle(b('HTTP/1.1 100 Continue\r\n\r\n'), out);
    h.data(s.ref, self(), 'fin', b('body'), out);
    h.handle(
      b('HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'),
      out,
    );
    assert.deepEqual(events(out, s), [
      ['inform', 100, []],
      ['inform', 103, [['link', '</a.css>; rel=preload']]],
      ['response', 'fin', 200, [['content-length', '0']]],
    ]);
  });

  it('streams a response over 1 MiB as many data events, subarrays of the socket chunks', () => {
    const h = http();
    const out: Command[] = [];
    const s = get(h, '/', out);
    const size = 3 * 1024 * 1024 + 17;
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i++) body[i] = i & 0xff;
    const wire = Buffer.concat([b(`HTTP/1.1 200 OK\r\ncontent-length: ${size}\r\n\r\n`), body]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < wire.length; i += 65536) chunks.push(wire.subarray(i, i + 65536));
    for (const chunk of chunks) h.handle(chunk, out);
    const data = events(out, s).filter((e) => e[0] === 'data');
    assert.equal(data.length, chunks.length);
    assert.ok(data.slice(0, -1).every((e) => e[1] === 'nofin'));
    assert.equal(data.at(-1)?.[1], 'fin');
    const pieces = data.map((e) => (e[0] === 'data' ? e[2] : Buffer.alloc(0)));
    assert.ok(Buffer.concat(pieces).equals(body));
    // Not copies: each piece shares memory with the chunk it came in.
    assert.ok(pieces.every((p, i) => p.buffer === chunks[i]?.buffer));
  });

  it('gives the same events for a pipelined conversation fed whole, byte by byte and in random splits', () => {
    const responses = b(
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  1 \r\nx-a: 2\r\n\r\nhello' +
        'HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nworld\r\n6\r\n again\r\n0\r\nX-Trailer: t\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the close',
    );
    const run = (how: (h: Http1, out: Command[]) => void): unknown[] => {
      const h = http();
      const out: Command[] = [];
      const streams = [get(h, '/1', out), get(h, '/2', out), get(h, '/3', out)];
      how(h, out);
      const killed = h.down('closed', out);
      return [...normalize(out, streams), { killed: killed.length }];
    };
    const whole = run((h, out) => h.handle(responses, out));
    assert.deepEqual(whole.slice(3), [
      {
        index: 0,
        event: [
          'response',
          'nofin',
          200,
          [
            ['content-length', '5'],
            ['x-a', '1'],
            ['x-a', '2'],
          ],
        ],
      },
      { index: 0, isFin: 'fin', text: 'hello' },
      { index: 1, event: ['inform', 103, [['link', '</s.css>']]] },
      { index: 1, event: ['response', 'nofin', 200, [['transfer-encoding', 'chunked']]] },
      { index: 1, isFin: 'nofin', text: 'world again' },
      { index: 1, event: ['trailers', [['x-trailer', 't']]] },
      { index: 2, event: ['response', 'nofin', 200, [['content-type', 'text/plain']]] },
      { index: 2, isFin: 'fin', text: 'until the close' },
      { killed: 0 },
    ]);
    assert.deepEqual(
      run((h, out) => byteByByte(h, responses, out)),
      whole,
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: responses.length - 1 }), { maxLength: 40 }), (cuts) => {
        assert.deepEqual(
          run((h, out) => feed(h, responses, cuts, out)),
          whole,
        );
      }),
      { numRuns: 300 },
    );
  });

  it('skips empty lines between responses', () => {
    const h = http();
    const out: Command[] = [];
    const s1 = get(h, '/', out);
    const s2 = get(h, '/', out);
    h.handle(b('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nA\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'), out);
    assert.deepEqual(texts(out, s1).at(-1), ['data', 'fin', 'A']);
    assert.deepEqual(events(out, s2), [['response', 'fin', 204, []]]);
    assert.deepEqual(closes(out), []);
  });

  it('cancel: nothing more is delivered to the stream, its response is still read, the next is delivered', () => {
    const h = http();
    const out: Command[] = [];
    const s1 = get(h, '/', out);
    const s2 = get(h, '/', out);
    h.handle(b('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n'), out);
    h.cancel(s1.ref, self(), out);
    assert.equal(h.streamInfo(s1.ref)?.state, 'stopping');
    h.handle(b('3\r\ndef\r\n0\r\nx-t: 1\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'), out);
    assert.deepEqual(texts(out, s1), [
      ['response', 'nofin', 200, [['transfer-encoding', 'chunked']]],
      ['data', 'nofin', 'abc'],
    ]);
    assert.deepEqual(texts(out, s2), [
      ['response', 'nofin', 200, [['content-length', '2']]],
      ['data', 'fin', 'ok'],
    ]);
    // A cancelled stream gets no inform either, and is not reported killed.
    const s3 = get(h, '/', out);
    h.cancel(s3.ref, self(), out);
    h.handle(b('HTTP/1.1 100 Continue\r\n\r\n'), out);
    assert.deepEqual(events(out, s3), []);
    assert.deepEqual(h.down('closed', []), []);
  });

  it('cancel of an unknown (or finished) stream is an error, as Gun', () => {
    const h = http();
    const out: Command[] = [];
    const s = get(h, '/', out);
    h.handle(b('HTTP/1.1 204 No Content\r\n\r\n'), out);
    out.length = 0;
    h.cancel(s.ref, self(), out);
    assert.deepEqual(errors(out), [{ ref: s.ref, reason: ['badstate', 'The stream cannot be found.'] }]);
  });
});

// -- keep-alive and close ---------------------------------------------------------

describe('Http1 keep-alive and close', () => {
  it('gun_http.erl handle_response: a connection: close response with a body tells the streams behind it closing at once, then closes normal with none killed', () => {
    const h = http();
    const out: Command[] = [];
    const s1 = get(h, '/', out);
    const s2 = get(h, '/', out);
    const s3 = get(h, '/', out);
    out.length = 0;
    h.handle(b('HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 4\r\n\r\nab'), out);
    // The response, then close_streams' `closing` to each stream behind,
    // then the closing command, then the first piece of the body.
    assert.deepEqual(
      out.map((c) =>
        c.type === 'deliver'
          ? [c.event[0], streamsOf([s1, s2, s3], c.stream)]
          : c.type === 'error'
            ? ['error', streamsOf([s1, s2, s3], c.ref), c.reason]
            : [c.type],
      ),
      [['response', 0], ['error', 1, 'closing'], ['error', 2, 'closing'], ['closing'], ['data', 0]],
    );
    assert.deepEqual(closes(out), []);
    // Known to close: a request that reaches the module now is refused at once.
    const late = mkStream();
    const refused: Command[] = [];
    h.request(late, 'GET', '/', [], Buffer.alloc(0), NO_FLOW, refused);
    assert.deepEqual(refused, [{ type: 'error', to: late.replyTo, ref: late.ref, reason: 'closing' }]);
    h.handle(b('cdHTTP/1.1 200 OK\r\n\r\n'), out);
    assert.deepEqual(closes(out), ['normal']);
    assert.deepEqual(texts(out, s1).at(-1), ['data', 'fin', 'cd']);
    assert.deepEqual(events(out, s2), []);
    assert.deepEqual(h.down('closed', []), [], 'no stream is left to be killed');
  });

  it('a connection: close response without a body closes at once; the streams behind it are killed (Gun also lists the answered one)', () => {
    const h = http();
    const out: Command[] = [];
    get(h, '/', out);
    const s2 = get(h, '/', out);
    out.length = 0;
    h.handle(b('HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n'), out);
    assert.deepEqual(errors(out), []);
    assert.deepEqual(closes(out), ['normal']);
    assert.equal(
      out.some((c) => c.type === 'closing'),
      false,
    );
    assert.deepEqual(h.down('closed', []), [s2]);
  });

  it('a body read to the close is no Gun close (Conn2 is keepalive): the streams behind it are told nothing until the close', () => {
    const h = http();
    const out: Command[] = [];
    get(h, '/', out);
    const s2 = get(h, '/', out);
    out.length = 0;
    h.handle(b('HTTP/1.1 200 OK\r\n\r\nuntil the close'), out);
    assert.deepEqual(errors(out), []);
    assert.equal(
      out.some((c) => c.type === 'closing'),
      false,
    );
    assert.deepEqual(h.down('closed', []), [s2]);
  });

  it('closes after the response to a request that asked for connection: close, and writes nothing after it', () => {
    const h = http();
    const out: Command[] = [];
    const s = get(h, '/', out, [['connection', 'Close']]);
    const late = get(h, '/', out);
    assert.deepEqual(errors(out), [{ ref: late.ref, reason: 'closing' }]);
    assert.equal(written(out).match(/GET/g)?.length, 1);
    out.length = 0;
    h.handle(b('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nx'), out);
    assert.deepEqual(texts(out, s).at(-1), ['data', 'fin', 'x']);
    assert.deepEqual(closes(out), ['normal']);
  });

  it('HTTP/1.0 responses close unless they keep alive; HTTP/1.0 requests ask to close unless they keep alive', () => {
    const h = http();
    const out: Command[] = [];
    get(h, '/', out);
    h.handle(b('HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n'), out);
    assert.deepEqual(closes(out), ['normal']);

    const k = http();
    const kout: Command[] = [];
    get(k, '/', kout);
    k.handle(b('HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n'), kout);
    assert.deepEqual(closes(kout), []);

    const v10 = http({ version: 'HTTP/1.0' });
    const vout: Command[] = [];
    get(v10, '/', vout);
    const second = get(v10, '/', vout);
    assert.deepEqual(errors(vout), [{ ref: second.ref, reason: 'closing' }]);
    v10.handle(b('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'), vout);
    assert.deepEqual(closes(vout), ['normal']);
  });

  it('closes after a response whose transfer-encoding and content-length disagree on framing', () => {
    const h = http();
    const out: Command[] = [];
    const s = get(h, '/', out);
    h.handle(
      b('HTTP/1.1 200 OK\r\ncontent-length: 100\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'),
      out,
    );
    assert.deepEqual(texts(out, s).at(-1), ['data', 'fin', 'ok']);
    assert.deepEqual(closes(out), ['normal']);
  });

  it('down() returns the streams still running as killed, each told why (gun_http:close/4)', () => {
    const h = http();
    const out: Command[] = [];
    const s1 = get(h, '/', out);
    const s2 = get(h, '/', out);
    const s3 = get(h, '/', out);
    h.handle(b('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\npart'), out);
    const end: Command[] = [];
    assert.deepEqual(h.down('closed', end), [s2, s3]);
    assert.deepEqual(end, [
      { type: 'deliver', stream: s2, event: ['error', 'closed'] },
      { type: 'deliver', stream: s3, event: ['error', 'closed'] },
    ]);
    const other = http();
    const s4 = get(other, '/', []);
    const why: Command[] = [];
    other.down(['error', 'econnreset'], why);
    assert.deepEqual(why, [{ type: 'deliver', stream: s4, event: ['error', ['closed', ['error', 'econnreset']]] }]);
    assert.equal(h.has(s1.ref) || h.has(s2.ref), false);
  });

  it('closing(): closes at once when idle', () => {
    const h = http();
    const out: Command[] = [];
    h.closing('shutdown', out);
    assert.deepEqual(out, [{ type: 'close', reason: 'normal' }]);
  });

  it('closing(): the pipelined streams get {closing, Reason}, the head one finishes, then the close', () => {
    const h = http();
    const out: Command[] = [];
    const s1 = get(h, '/', out);
    const s2 = get(h, '/', out);
    out.length = 0;
    h.closing('shutdown', out);
    assert.deepEqual(out, [{ type: 'error', to: s2.replyTo, ref: s2.ref, reason: ['closing', 'shutdown'] }]);
    assert.equal(h.has(s2.ref), false);
    out.length = 0;
    h.handle(b('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nx'), out);
    assert.deepEqual(texts(out, s1).at(-1), ['data', 'fin', 'x']);
    assert.deepEqual(closes(out), ['normal']);
  });
});

// -- flow control ------------------------------------------------------------------

describe('Http1 flow control', () => {
  it('pauses reading when the credit is spent, holds what was read, and resumes on updateFlow', () => {
    const h = http();
    const out: Command[] = [];
    const s = get(h, '/', out, [], 2);
    const next = get(h, '/next', out);
    h.handle(b('HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\nab'), out);
    assert.deepEqual(actives(out), []);
    h.handle(b('cd'), out);
    assert.deepEqual(actives(out), [false]);
    // Read past the pause (already in flight): held, not delivered.
    h.handle(b('efgh'), out);
    h.handle(b('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nz'), out);
    assert.deepEqual(texts(out, s).slice(1), [
      ['data', 'nofin', 'ab'],
      ['data', 'nofin', 'cd'],
    ]);
    assert.deepEqual(events(out, next), []);
    const more: Command[] = [];
    h.updateFlow(s.ref, self(), 1, more);
    assert.deepEqual(texts(more, s), [['data', 'fin', 'efgh']]);
    assert.deepEqual(texts(more, next), [
      ['response', 'nofin', 200, [['content-length', '1']]],
      ['data', 'fin', 'z'],
    ]);
    assert.deepEqual(actives(more), [true]);
  });

  it('pauses in the middle of a socket chunk and delivers the rest in order, never more than allowed', () => {
    const h = http();
    const out: Command[] = [];
    const s = get(h, '/', out, [], 1);
    h.handle(
      b('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n3\r\nghi\r\n0\r\nx-t: 1\r\n\r\n'),
      out,
    );
    assert.deepEqual(texts(out, s).slice(1), [['data', 'nofin', 'abc']]);
    assert.deepEqual(actives(out), [false]);
    const step: Command[] = [];
    h.updateFlow(s.ref, self(), 1, step);
    assert.deepEqual(texts(step, s), [['data', 'nofin', 'def']]);
    assert.deepEqual(actives(step), [false]);
    const rest: Command[] = [];
    h.updateFlow(s.ref, self(), 5, rest);
    assert.deepEqual(texts(rest, s), [
      ['data', 'nofin', 'ghi'],
      ['trailers', [['x-t', '1']]],
    ]);
    assert.deepEqual(actives(rest), [true]);
  });

  it('does not pause on the data that ends a body, and updateFlow for an unknown stream is ignored', () => {
    const h = http();
    const out: Command[] = [];
    const s = get(h, '/', out, [], 1);
    h.handle(b('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'), out);
    assert.deepEqual(texts(out, s).at(-1), ['data', 'fin', 'ok']);
    assert.deepEqual(actives(out), []);
    const none: Command[] = [];
    h.updateFlow(makeRef(), self(), 1, none);
    h.updateFlow(s.ref, self(), 1, none);
    assert.deepEqual(none, []);
  });

  it('cancelling the stream that paused reading resumes it; its held data is dropped', () => {
    const h = http();
    const out: Command[] = [];
    const s = get(h, '/', out, [], 1);
    const next = get(h, '/', out);
    h.handle(b('HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nab'), out);
    h.handle(b('cdHTTP/1.1 204 No Content\r\n\r\n'), out);
    const after: Command[] = [];
    h.cancel(s.ref, self(), after);
    assert.deepEqual(events(after, s), []);
    assert.deepEqual(events(after, next), [['response', 'fin', 204, []]]);
    assert.deepEqual(actives(after), [true]);
  });

  it('down() delivers what was held back before ending a body that runs to the close', () => {
    const h = http();
    const out: Command[] = [];
    const s = get(h, '/', out, [], 1);
    h.handle(b('HTTP/1.1 200 OK\r\n\r\nab'), out);
    h.handle(b('cd'), out);
    const end: Command[] = [];
    assert.deepEqual(h.down('closed', end), []);
    assert.deepEqual(texts(end, s), [
      ['data', 'nofin', 'cd'],
      ['data', 'fin', ''],
    ]);
    assert.ok(end.every((c) => c.type === 'deliver'));
  });
});

// -- WebSocket upgrade --------------------------------------------------------------

function keyOf(out: readonly Command[]): string {
  const m = /\r\nsec-websocket-key: ([^\r]+)\r\n/.exec(written(out));
  assert.ok(m?.[1]);
  return m[1];
}

function acceptOf(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

function switching(key: string, extra = ''): Buffer {
  return b(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(key)}\r\n${extra}\r\n`,
  );
}

describe('Http1 WebSocket upgrade', () => {
  it("writes Gun's upgrade request: a fresh key, offered subprotocols merged with the caller's, no duplicates", () => {
    const h = http({ port: 8080 });
    const out: Command[] = [];
    const s = mkStream(true);
    h.wsUpgrade(
      s,
      '/ws',
      [
        ['sec-websocket-protocol', 'chat, mqtt'],
        ['connection', 'keep-alive'],
        ['cookie', 'a=b'],
      ],
      { ...WS_DEFAULTS, protocols: ['mqtt', 'v2'] },
      out,
    );
    const key = keyOf(out);
    assert.equal(Buffer.from(key, 'base64').length, 16);
    assert.equal(
      written(out),
      'GET /ws HTTP/1.1\r\nhost: example.com:8080\r\nconnection: upgrade\r\nupgrade: websocket\r\n' +
        `sec-websocket-version: 13\r\nsec-websocket-key: ${key}\r\nsec-websocket-protocol: mqtt, v2, chat\r\n` +
        'cookie: a=b\r\n\r\n',
    );
    const again: Command[] = [];
    http().wsUpgrade(mkStream(true), '/ws', [], WS_DEFAULTS, again);
    assert.notEqual(keyOf(again), key);
  });

  it("gun_http.erl ws_upgrade: offers permessage-deflate with Gun's bytes when compress is on, and nothing when off", () => {
    const out: Command[] = [];
    http().wsUpgrade(mkStream(true), '/', [], { ...WS_DEFAULTS, compress: true }, out);
    const head = written(out);
    assert.match(
      head,
      /\r\nsec-websocket-extensions: permessage-deflate; client_max_window_bits; server_max_window_bits=15\r\n/,
    );
    assert.equal(head.split('sec-websocket-extensions').length, 2, 'one offer');
    const off: Command[] = [];
    http().wsUpgrade(mkStream(true), '/', [], WS_DEFAULTS, off);
    assert.doesNotMatch(written(off), /sec-websocket-extensions/);
  });

  it('on a good 101: the upgrade event, then a switch to ws with the bytes read past the 101', () => {
    const h = http();
    const out: Command[] = [];
    const s = mkStream(true);
    const opts = { ...WS_DEFAULTS, protocols: ['chat'], compress: true };
    h.wsUpgrade(s, '/', [], opts, out);
    const key = keyOf(out);
    out.length = 0;
    const frame = Buffer.from([0x81, 0x02, 0x68, 0x69]);
    const reply = switching(
      key,
      'Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n',
    );
    h.handle(Buffer.concat([reply, frame]), out);
    const headers = events(out, s)[0];
    assert.ok(headers?.[0] === 'upgrade');
    assert.deepEqual(headers[1], ['websocket']);
    assert.deepEqual(headers[2].slice(0, 2), [
      ['upgrade', 'websocket'],
      ['connection', 'Upgrade'],
    ]);
    assert.equal(out.length, 2);
    const sw = out[1];
    assert.ok(sw?.type === 'switch');
    assert.equal(sw.protocol, 'ws');
    assert.equal(sw.handshake.stream, s);
    assert.equal(sw.handshake.opts, opts);
    assert.equal(sw.handshake.headers, headers[2]);
    assert.notEqual(sw.handshake.deflate, undefined, 'permessage-deflate was negotiated, once, here');
    assert.deepEqual(sw.rest, frame);
    // Done: nothing more is read as HTTP.
    const after: Command[] = [];
    h.handle(b('HTTP/1.1 200 OK\r\n\r\n'), after);
    assert.deepEqual(after, []);
  });

  it('accepts a 101 in which the server chose no subprotocol (RFC 6455; Gun 2.4.1 too), split byte by byte', () => {
    const h = http();
    const up: Command[] = [];
    h.wsUpgrade(mkStream(true), '/', [], { ...WS_DEFAULTS, protocols: ['chat'] }, up);
    const out: Command[] = [];
    byteByByte(h, switching(keyOf(up)), out);
    assert.deepEqual(
      out.map((c) => c.type),
      ['deliver', 'switch'],
    );
    const sw = out[1];
    assert.ok(sw?.type === 'switch' && sw.rest.length === 0 && sw.handshake.deflate === undefined);
  });

  it('fails a 101 whose checks fail: the reply-to gets a connection error, the connection closes', () => {
    const cases: [string, (key: string) => Buffer, string][] = [
      [
        'accept',
        () =>
          b(
            'HTTP/1.1 101 Switching\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-accept: nope\r\n\r\n',
          ),
        'The sec-websocket-accept header does not match the key sent.',
      ],
      [
        'upgrade',
        (key) =>
          b(`HTTP/1.1 101 S\r\nupgrade: h2c\r\nconnection: upgrade\r\nsec-websocket-accept: ${acceptOf(key)}\r\n\r\n`),
        "The 101 response's upgrade header is not 'websocket'.",
      ],
      [
        'connection',
        (key) => b(`HTTP/1.1 101 S\r\nupgrade: websocket\r\nsec-websocket-accept: ${acceptOf(key)}\r\n\r\n`),
        "The 101 response's connection header lacks 'upgrade'.",
      ],
      [
        'subprotocol',
        (key) => switching(key, 'sec-websocket-protocol: other\r\n'),
        "The server chose a subprotocol that was not offered: 'other'.",
      ],
      [
        'extension',
        (key) => switching(key, 'sec-websocket-extensions: permessage-deflate\r\n'),
        'The server accepted permessage-deflate, which was not offered (compress is false)',
      ],
    ];
    for (const [what, reply, text] of cases) {
      const h = http();
      const out: Command[] = [];
      const s = mkStream(true);
      h.wsUpgrade(s, '/', [], { ...WS_DEFAULTS, protocols: ['chat'] }, out);
      const key = keyOf(out);
      out.length = 0;
      h.handle(reply(key), out);
      const reason = ['connection_error', 'protocol_error', text];
      assert.deepEqual(out, [
        { type: 'error', to: s.replyTo, ref: undefined, reason },
        { type: 'close', reason: ['error', reason] },
      ]);
      assert.deepEqual(h.down('closed', []), [s], what);
    }
  });

  it('cancelling an upgrade that has no answer closes the connection at once (normal); nothing more is read', () => {
    const h = http();
    const up: Command[] = [];
    const s = mkStream(true);
    h.wsUpgrade(s, '/', [], WS_DEFAULTS, up);
    const out: Command[] = [];
    h.cancel(s.ref, self(), out);
    assert.deepEqual(out, [{ type: 'close', reason: 'normal' }]);
    const late: Command[] = [];
    h.handle(switching(keyOf(up)), late);
    assert.deepEqual(late, []);
    assert.deepEqual(h.down('closed', []), [], 'a cancelled stream is not killed');
  });

  it('a cancelled upgrade behind another response: that response is read, then the 101 closes the connection instead of switching', () => {
    const h = http();
    const up: Command[] = [];
    const first = get(h, '/', up);
    const s = mkStream(true);
    h.wsUpgrade(s, '/', [], WS_DEFAULTS, up);
    const out: Command[] = [];
    h.cancel(s.ref, self(), out);
    assert.deepEqual(out, []);
    h.handle(Buffer.concat([b('HTTP/1.1 204 No Content\r\n\r\n'), switching(keyOf(up))]), out);
    assert.deepEqual(events(out, first), [['response', 'fin', 204, []]]);
    assert.deepEqual(events(out, s), []);
    assert.deepEqual(closes(out), ['normal']);
  });

  it('a non-101 answer to an upgrade is an ordinary response with its body, on that stream', () => {
    const h = http();
    const out: Command[] = [];
    const s = mkStream(true);
    h.wsUpgrade(s, '/', [], { ...WS_DEFAULTS, flow: 1 }, out);
    out.length = 0;
    h.handle(b('HTTP/1.1 401 Unauthorized\r\ncontent-length: 6\r\n\r\ndenied'), out);
    assert.deepEqual(texts(out, s), [
      ['response', 'nofin', 401, [['content-length', '6']]],
      ['data', 'fin', 'denied'],
    ]);
    // The upgrade is over: requests may follow again.
    const next: Command[] = [];
    get(h, '/', next);
    assert.deepEqual(errors(next), []);
  });

  it('refuses an upgrade over HTTP/1.0, and a request behind an upgrade still waiting for its answer', () => {
    const out: Command[] = [];
    const s = mkStream(true);
    http({ version: 'HTTP/1.0' }).wsUpgrade(s, '/', [], WS_DEFAULTS, out);
    assert.deepEqual(out, [
      {
        type: 'error',
        to: s.replyTo,
        ref: s.ref,
        reason: ['badstate', 'Websocket cannot be used over an HTTP/1.0 connection.'],
      },
    ]);
    const h = http();
    const before = get(h, '/before', []);
    const up: Command[] = [];
    h.wsUpgrade(mkStream(true), '/', [], WS_DEFAULTS, up);
    const late: Command[] = [];
    const g = get(h, '/after', late);
    assert.equal(written(late), '');
    assert.deepEqual(errors(late), [
      {
        ref: g.ref,
        reason: [
          'badstate',
          'A Websocket upgrade is in progress on this connection: no request may follow it until the server answers.',
        ],
      },
    ]);
    assert.equal(h.has(before.ref), true);
  });

  it('an upgrade made while requests are in flight is pipelined behind them; a 101 to a plain request is a fault', () => {
    const h = http();
    const out: Command[] = [];
    const g = get(h, '/', out);
    const s = mkStream(true);
    h.wsUpgrade(s, '/', [], WS_DEFAULTS, out);
    const key = keyOf(out);
    const res: Command[] = [];
    h.handle(Buffer.concat([b('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nx'), switching(key)]), res);
    assert.deepEqual(
      res.map((c) => (c.type === 'deliver' ? c.event[0] : c.type)),
      ['response', 'data', 'upgrade', 'switch'],
    );
    assert.deepEqual(texts(res, g).at(-1), ['data', 'fin', 'x']);

    const plain = http();
    const p: Command[] = [];
    const ps = get(plain, '/', p);
    p.length = 0;
    plain.handle(switching('whatever'), p);
    const reason = ['connection_error', 'protocol_error', 'Unexpected 101 Switching Protocols response.'];
    assert.deepEqual(p, [
      { type: 'error', to: ps.replyTo, ref: undefined, reason },
      { type: 'close', reason: ['error', reason] },
    ]);
  });
});

// -- the rest of the protocol ------------------------------------------------------

describe('Http1 misc', () => {
  it("wsSend is refused with Gun's badstate text and no stream ref", () => {
    const out: Command[] = [];
    const ref = makeRef();
    http().wsSend(ref, self(), [{ kind: 'text', data: b('x') }], out);
    assert.deepEqual(out, [
      {
        type: 'error',
        to: self(),
        ref: undefined,
        reason: [
          'badstate',
          'This connection does not currently accept Websocket frames. The Websocket upgrade was not performed. ' +
            'This may happen as a result of automatic reconnect.',
        ],
      },
    ]);
  });

  it('keepalive writes an empty line, but not while a body is being sent or an upgrade waits', () => {
    const h = http();
    const out: Command[] = [];
    h.keepalive(out);
    assert.equal(written(out), '\r\n');
    get(h, '/', []);
    const busy: Command[] = [];
    h.keepalive(busy);
    assert.equal(written(busy), '\r\n'); // requests in flight, none sending a body: as Gun
    const s = mkStream();
    h.request(s, 'POST', '/', [], undefined, NO_FLOW, []);
    const sending: Command[] = [];
    h.keepalive(sending);
    assert.deepEqual(sending, []);
    const u = http();
    u.wsUpgrade(mkStream(true), '/', [], WS_DEFAULTS, []);
    const upgrading: Command[] = [];
    u.keepalive(upgrading);
    assert.deepEqual(upgrading, []);
  });

  it('streamInfo and has know the streams until their response is complete', () => {
    const h = http();
    const s = get(h, '/', []);
    assert.equal(h.has(s.ref), true);
    assert.deepEqual(h.streamInfo(s.ref), { stream: s, state: 'running' });
    h.cancel(s.ref, self(), []);
    assert.deepEqual(h.streamInfo(s.ref), { stream: s, state: 'stopping' });
    h.handle(b('HTTP/1.1 204 No Content\r\n\r\n'), []);
    assert.equal(h.has(s.ref), false);
    assert.equal(h.streamInfo(s.ref), undefined);
    assert.equal(h.streamInfo(makeRef()), undefined);
  });
});

// -- hostile servers ------------------------------------------------------------------

/** Feeds `reply` to a connection with one GET waiting; returns the commands and the stream. */
function answer(reply: Buffer | string, opts: Partial<Http1Options> = {}): { out: Command[]; s: Stream; h: Http1 } {
  const h = http(opts);
  const out: Command[] = [];
  const s = get(h, '/', out);
  out.length = 0;
  h.handle(typeof reply === 'string' ? b(reply) : reply, out);
  return { out, s, h };
}

function assertFault(out: readonly Command[], s: Stream | undefined, kind: string, text: string): void {
  const reason = ['connection_error', kind, text];
  const tail = out.filter((c) => c.type !== 'deliver');
  assert.deepEqual(tail, [
    ...(s === undefined ? [] : [{ type: 'error', to: s.replyTo, ref: undefined, reason }]),
    { type: 'close', reason: ['error', reason] },
  ]);
}

describe('Http1 hostile servers', () => {
  it('a malformed status line: connection error to the reply-to, close, nothing delivered', () => {
    for (const line of ['HTTP/1.1 2x0 OK', 'HTTP/2.0 200 OK', 'HTTP/1.1 099 Low', 'HTTP/1.1 2000 OK', 'ICY 200 OK']) {
      const { out, s, h } = answer(`${line}\r\ncontent-length: 0\r\n\r\n`);
      assertFault(out, s, 'protocol_error', 'The response status line is malformed.');
      assert.deepEqual(events(out, s), []);
      const later: Command[] = [];
      h.handle(b('HTTP/1.1 200 OK\r\n\r\n'), later);
      assert.deepEqual(later, []);
    }
  });

  it('malformed header lines, a NUL or a bare CR/LF, a bad content-length', () => {
    const cases: [string, string][] = [
      ['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', 'A header line is malformed.'],
      ['HTTP/1.1 200 OK\r\nbad name: x\r\n\r\n', 'A header line is malformed.'],
      ['HTTP/1.1 200 OK\r\n: x\r\n\r\n', 'A header line is malformed.'],
      ['HTTP/1.1 200 OK\r\n folded-first: x\r\n\r\n', 'A header line is malformed.'],
      ['HTTP/1.1 200 OK\r\nx: a\0b\r\n\r\n', 'The response head holds a NUL, or a CR or LF outside a line end.'],
      ['HTTP/1.1 200 OK\r\nx: a\rb\r\n\r\n', 'The response head holds a NUL, or a CR or LF outside a line end.'],
      ['HTTP/1.1 200 OK\r\nx: a\nb: c\r\n\r\n', 'The response head holds a NUL, or a CR or LF outside a line end.'],
      ['HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n', 'The content-length header is invalid.'],
      ['HTTP/1.1 200 OK\r\ncontent-length: 1, 2\r\n\r\n', 'The content-length header is invalid.'],
      ['HTTP/1.1 200 OK\r\ncontent-length: 99999999999999999999\r\n\r\n', 'The content-length header is invalid.'],
    ];
    for (const [reply, text] of cases) {
      const { out, s } = answer(reply);
      assertFault(out, s, 'protocol_error', text);
    }
    // Equal values are one length (RFC 9110 §8.6).
    const { out, s } = answer('HTTP/1.1 200 OK\r\ncontent-length: 2, 2\r\ncontent-length: 2\r\n\r\nok');
    assert.deepEqual(texts(out, s).at(-1), ['data', 'fin', 'ok']);
  });

  it('a bad chunk size, a chunk longer than its size, an oversized chunk line', () => {
    const head = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n';
    const cases: [string, string, string[]][] = [
      [`${head}zz\r\n`, 'A chunk size is missing.', []],
      [`${head}\r\n`, 'A chunk size is missing.', []],
      [`${head}5x\r\nhello\r\n`, 'A chunk size line is malformed.', []],
      [`${head}0x5\r\nhello\r\n`, 'A chunk size line is malformed.', []],
      [`${head}fffffffffffffffff\r\n`, 'A chunk size line is malformed.', []],
      [`${head}ffffffffffffffff\r\n`, 'A chunk size is too large.', []],
      [`${head}3\r\nabcd\r\n`, 'A chunk is longer than its size.', ['abc']],
      [`${head}3;${'e'.repeat(2000)}\r\n`, 'A chunk size line is too long.', []],
      [`${head}3;${'e'.repeat(2000)}`, 'A chunk size line is too long.', []],
    ];
    for (const [reply, text, data] of cases) {
      const { out, s } = answer(reply);
      assertFault(out, s, 'protocol_error', text);
      assert.deepEqual(texts(out, s), [
        ['response', 'nofin', 200, [['transfer-encoding', 'chunked']]],
        ...data.map((d) => ['data', 'nofin', d]),
      ]);
    }
  });

  it('an oversized head, whole or dripped byte by byte, hits the limit without unbounded buffering', () => {
    const huge = answer(`HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(200_000)}\r\n\r\n`);
    assertFault(huge.out, huge.s, 'limit_reached', 'The response header block is too large.');
    // Gun's limit is on the whole block: one just under it passes.
    const fits = `HTTP/1.1 204 No Content\r\nx: ${'a'.repeat(100_000 - 32)}\r\n\r\n`;
    assert.equal(fits.length, 100_000);
    assert.deepEqual(
      answer(fits).out.map((c) => c.type),
      ['deliver'],
    );
    const over = answer(fits.replace('x: ', 'x: a'));
    assertFault(over.out, over.s, 'limit_reached', 'The response header block is too large.');
    // Dripped: the fault comes once the limit is passed, not at the end.
    const h = http({ maxHeaderBlockSize: 1000 });
    const out: Command[] = [];
    const s = get(h, '/', out);
    out.length = 0;
    const drip = b(`HTTP/1.1 200 OK\r\nx: ${'a'.repeat(5000)}`);
    let fedUntilClose = 0;
    for (let i = 0; i < drip.length && closes(out).length === 0; i++) {
      h.handle(drip.subarray(i, i + 1), out);
      fedUntilClose = i + 1;
    }
    assert.equal(fedUntilClose, 1000);
    assertFault(out, s, 'limit_reached', 'The response header block is too large.');
  });

  it('too many header fields, an oversized trailer block', () => {
    const many = answer(`HTTP/1.1 200 OK\r\n${'a: b\r\n'.repeat(1001)}\r\n`);
    assertFault(many.out, many.s, 'limit_reached', 'The response has too many header fields.');
    const trailers = `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\nx: ${'t'.repeat(20_000)}\r\n\r\n`;
    const { out, s } = answer(trailers);
    assertFault(out, s, 'limit_reached', 'The response trailer block is too large.');
  });

  it('gun_http.erl handle/5 streams=[]: a response with no request waiting for it closes the connection, normal, telling no one', () => {
    const h = http();
    const out: Command[] = [];
    h.handle(b('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'), out);
    assert.deepEqual(out, [{ type: 'close', reason: 'normal' }]);
    // One response too many, after a pipelined one.
    const { out: extra, s } = answer('HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n');
    assert.deepEqual(events(extra, s), [['response', 'fin', 204, []]]);
    assert.deepEqual(errors(extra), []);
    assert.deepEqual(closes(extra), ['normal']);
  });

  it("a response to a request still held behind another body is the peer's fault", () => {
    const q = http();
    const qo: Command[] = [];
    const up = mkStream();
    q.request(up, 'POST', '/', [], undefined, NO_FLOW, qo);
    get(q, '/', qo);
    qo.length = 0;
    q.handle(b('HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'), qo);
    assertFault(qo, undefined, 'protocol_error', 'A response arrived with no request waiting for it.');
  });

  it('never throws, whatever the bytes, however split', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 64 }),
            fc.constantFrom(
              ...[
                'HTTP/1.1 200 OK\r\n',
                'HTTP/1.0 101 S\r\n',
                'HTTP/1.1 101 S\r\n',
                'transfer-encoding: chunked\r\n',
                'content-length: 3\r\n',
                '\r\n',
                '0\r\n',
                '5;x\r\n',
                'ffffffff\r\n',
                'connection: close\r\n',
              ].map((s) => new Uint8Array(b(s))),
            ),
          ),
          { maxLength: 30 },
        ),
        fc.integer({ min: 1, max: 5 }),
        (pieces, flow) => {
          const h = http({ maxHeaderBlockSize: 2000, maxTrailerBlockSize: 500 });
          const out: Command[] = [];
          const streams = [get(h, '/', out, [], flow), get(h, '/', out), get(h, '/', out)];
          for (const p of pieces) h.handle(Buffer.from(p), out);
          for (const s of streams) h.updateFlow(s.ref, self(), 100, out);
          h.down('closed', out);
          assert.ok(closes(out).length <= 1);
        },
      ),
      { numRuns: 500 },
    );
  });
});
