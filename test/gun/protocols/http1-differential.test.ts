import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Headers } from '../../../src/gun/headers.js';
import { Http1 } from '../../../src/gun/protocols/http1.js';
import type { Command, Stream, StreamEvent } from '../../../src/gun/protocols/protocol.js';
import { makeRef, self } from '../../../src/runtime/index.js';

/*
 * The HTTP/1.1 response parser of beamish (Http1.handle) against Node's
 * llhttp (node:http), on the same bytes. First, chunk sizes pinned by value
 * (every hex digit, both cases, mixed, with extensions): a wrong digit
 * value makes the chunk longer or shorter than its bytes, which fails.
 * Then a property: generated responses (1xx informs, then chunked with
 * extensions and trailers, content-length, close-delimited, or no body),
 * cut into pieces at random points, read by both parsers, which must agree
 * with each other and with what was generated (status, headers, body,
 * trailers).
 *
 * Only valid HTTP (RFC 9112) is generated, and nothing where beamish means
 * to differ from llhttp. Left out, and why:
 * - BWS around `;` and `=` in chunk extensions (`5 ;a = b`): RFC 9112 §7.1.1
 *   allows it and beamish skips it (as cowlib); llhttp 9 rejects it
 *   (HPE_INVALID_CHUNK_SIZE / HPE_STRICT), stricter than the RFC.
 * - Chunk sizes over 16 hex digits (leading zeros): beamish reads at most 16,
 *   as cowlib does (a bound, see MAX_CHUNK_LINE in http1.ts); llhttp takes any.
 * - Transfer-Encoding in an HTTP/1.0 response: faulty framing (RFC 9112 §6.1);
 *   beamish reads the body to the close, llhttp decodes the chunks.
 * - Transfer-Encoding with Content-Length, or content-length repeated or
 *   as a list (`5, 5`): beamish takes them (RFC 9112 §6.3 rule 3, RFC 9110
 *   §8.6), llhttp refuses them.
 * - obs-fold, whitespace before a field's colon, CTLs other than HTAB (and
 *   DEL) in values: beamish is laxer (cowlib's leniencies), llhttp refuses
 *   them.
 * - HTTP/1.x versions other than 1.0 and 1.1: beamish reads them as 1.1
 *   (RFC 9112 §2.3), llhttp refuses them.
 * - Empty lines before a response, a status line without the SP after the
 *   code: both take them, but they are not HTTP (RFC 9112 §2.2, §4).
 * - 101 and other upgrades: not a body parser's matter (ws tests cover them).
 */

// -- beamish ------------------------------------------------------------------

/** What a parser made of a response; `error` when it refused it. */
interface Parsed {
  readonly informs: readonly (readonly [number, Headers])[];
  readonly status: number | undefined;
  readonly headers: Headers;
  /** Latin-1, one character per byte. */
  readonly body: string;
  readonly trailers: Headers;
  readonly error?: string;
}

function mkStream(): Stream {
  return { ref: makeRef(), replyTo: self(), upgrade: false };
}

/**
 * Beamish on `pieces`: a GET waits for its response, the pieces are handled
 * in order, then the socket closes (down(): what ends a close-delimited
 * body, as the connection does), as the test's server closes it.
 */
function viaBeamish(pieces: readonly Buffer[]): Parsed {
  const h = new Http1({ host: '127.0.0.1', port: 80, transport: 'tcp', version: 'HTTP/1.1' });
  const s = mkStream();
  const out: Command[] = [];
  h.request(s, 'GET', '/', [], Buffer.alloc(0), { flow: Infinity }, out);
  out.length = 0;
  for (const piece of pieces) h.handle(piece, out);
  const killed = h.down('closed', out);
  const informs: [number, Headers][] = [];
  let status: number | undefined;
  let headers: Headers = [];
  const body: Buffer[] = [];
  let trailers: Headers = [];
  let ended = false;
  let error: string | undefined;
  const fault = (text: string): void => {
    error ??= text;
  };
  for (const c of out) {
    if (c.type === 'error') fault(`error ${JSON.stringify(c.reason)}`);
    else if (c.type === 'close' && c.reason !== 'normal') fault(`close ${JSON.stringify(c.reason)}`);
    else if (c.type === 'switch') fault('switch');
    if (c.type !== 'deliver') continue;
    if (c.stream !== s) fault('a delivery to another stream');
    const e: StreamEvent = c.event;
    if (ended) fault(`${e[0]} after the end of the response`);
    switch (e[0]) {
      case 'inform':
        if (status !== undefined) fault('inform after the response');
        informs.push([e[1], e[2]]);
        break;
      case 'response':
        if (status !== undefined) fault('two responses');
        status = e[2];
        headers = e[3];
        ended = e[1] === 'fin';
        break;
      case 'data':
        if (status === undefined) fault('data before the response');
        body.push(e[2]);
        ended = e[1] === 'fin';
        break;
      case 'trailers':
        if (status === undefined) fault('trailers before the response');
        trailers = e[1];
        ended = true;
        break;
      default:
        fault(`unexpected ${e[0]}`);
    }
  }
  if (killed.length > 0) fault('the stream was killed');
  if (!ended) fault('the response did not end');
  const parsed = { informs, status, headers, body: Buffer.concat(body).toString('latin1'), trailers };
  return error === undefined ? parsed : { ...parsed, error };
}

// -- llhttp -------------------------------------------------------------------

/** `rawHeaders` as pairs, names lower-cased as beamish gives them. */
function pairs(raw: readonly string[]): Headers {
  const headers: Headers = [];
  for (let i = 0; i + 1 < raw.length; i += 2) headers.push([(raw[i] ?? '').toLowerCase(), raw[i + 1] ?? '']);
  return headers;
}

/**
 * A TCP server on 127.0.0.1 that answers each connection with the pieces
 * set for it (one write each, in order), then closes; and node:http's
 * client, which reads the answer with llhttp.
 */
class Llhttp {
  private readonly server = net.createServer((socket) => this.answer(socket));
  private readonly sockets = new Set<net.Socket>();
  private next: readonly Buffer[] = [];
  private port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    assert.ok(address !== null && typeof address === 'object');
    this.port = address.port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  /** Reads the request (so closing never resets it), then writes the pieces and closes. */
  private answer(socket: net.Socket): void {
    const pieces = this.next;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    // The client goes away at once when llhttp refuses the bytes: writes then fail, which is fine.
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
    let request = '';
    const onData = (data: Buffer): void => {
      request += data.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.resume();
      void (async () => {
        for (const piece of pieces) {
          if (socket.destroyed) return;
          await new Promise<void>((resolve) => socket.write(piece, () => resolve()));
        }
        socket.end();
      })();
    };
    socket.on('data', onData);
  }

  /** Node's client on `pieces`. */
  parse(pieces: readonly Buffer[]): Promise<Parsed> {
    this.next = pieces;
    return new Promise<Parsed>((resolve) => {
      const informs: [number, Headers][] = [];
      const failed = (err: Error): void => {
        const code = 'code' in err ? String(err.code) : '';
        resolve({ informs, status: undefined, headers: [], body: '', trailers: [], error: `${code} ${err.message}` });
      };
      const req = http.request({ host: '127.0.0.1', port: this.port, path: '/', agent: false });
      req.on('information', (info) => informs.push([info.statusCode, pairs(info.rawHeaders)]));
      req.on('error', failed);
      req.on('response', (res) => {
        const body: Buffer[] = [];
        res.on('data', (chunk: Buffer) => body.push(chunk));
        res.on('error', failed);
        res.on('end', () => {
          const parsed: Parsed = {
            informs,
            status: res.statusCode,
            headers: pairs(res.rawHeaders),
            body: Buffer.concat(body).toString('latin1'),
            trailers: pairs(res.rawTrailers),
          };
          resolve(res.complete ? parsed : { ...parsed, error: 'incomplete' });
        });
      });
      req.end();
    });
  }
}

// -- generated responses ----------------------------------------------------------

interface Field {
  readonly name: string;
  readonly value: string;
  /** OWS after the colon and after the value: not part of the value. */
  readonly before: string;
  readonly after: string;
}

interface Chunk {
  readonly data: Uint8Array;
  /** Which hex digits are written upper-case (bit i for digit i). */
  readonly upper: number;
  readonly zeros: number;
  readonly ext: string;
}

type Framing =
  | {
      readonly kind: 'chunked';
      /** The values of the transfer-encoding fields (one, or two in a row). */
      readonly te: readonly string[];
      readonly chunks: readonly Chunk[];
      readonly lastZeros: number;
      readonly lastExt: string;
      readonly trailers: readonly Field[];
    }
  | { readonly kind: 'length'; readonly zeros: number; readonly body: Uint8Array }
  /** Up to the close: no framing header, or a transfer-encoding that does not end with chunked (RFC 9112 §6.3). */
  | { readonly kind: 'close'; readonly te: readonly string[]; readonly body: Uint8Array }
  /** 204 and 304 have no body (a 304 may give the length the representation would have). */
  | { readonly kind: 'none'; readonly status: 204 | 304; readonly length: number | undefined };

interface Response {
  readonly informs: readonly { readonly status: number; readonly reason: string; readonly fields: readonly Field[] }[];
  readonly http10: boolean;
  readonly status: number;
  readonly reason: string;
  readonly fields: readonly Field[];
  readonly connection: string | undefined;
  /** Where the framing and connection fields go among the others. */
  readonly at: readonly [number, number];
  /** Which letters of the framing field's name are upper-case. */
  readonly nameCase: number;
  readonly framing: Framing;
}

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const TOKEN_CHARS = [...TCHARS];
/** Names llhttp gives a meaning (framing, connection, upgrade): they come only from the framing, on purpose. */
const SPECIAL = new Set(['content-length', 'transfer-encoding', 'connection', 'proxy-connection', 'upgrade']);

const token = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength });

/** field-vchar: VCHAR and obs-text (decoded as Latin-1 by both parsers). */
const vchar = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0x21, max: 0x7e }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
);
/** A field value: field-vchar with SP and HTAB inside, none at either end. */
const fieldValue = fc
  .array(fc.oneof({ weight: 5, arbitrary: vchar }, { weight: 1, arbitrary: fc.constantFrom(0x20, 0x09) }), {
    maxLength: 24,
  })
  .map((codes) => String.fromCharCode(...codes).replace(/^[ \t]+|[ \t]+$/g, ''));
const ows = fc.constantFrom('', '', ' ', ' ', '\t', '  ', ' \t ');

const field: fc.Arbitrary<Field> = fc.record({
  name: token(16).filter((n) => !SPECIAL.has(n.toLowerCase())),
  value: fieldValue,
  before: ows,
  after: ows,
});
const fields = (maxLength: number): fc.Arbitrary<Field[]> => fc.array(field, { maxLength });

/** reason-phrase: HTAB, SP, VCHAR, obs-text; possibly empty. */
const reason = fc
  .array(fc.oneof({ weight: 5, arbitrary: vchar }, { weight: 1, arbitrary: fc.constantFrom(0x20, 0x09) }), {
    maxLength: 16,
  })
  .map((codes) => String.fromCharCode(...codes));

/** A chunk-ext (RFC 9112 §7.1.1) without BWS: `;name`, `;name=token` or `;name="quoted"`. */
const quoted = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: vchar.filter((c) => c !== 0x22 && c !== 0x5c).map((c) => String.fromCharCode(c)) },
      { weight: 1, arbitrary: fc.constantFrom(' ', '\t') },
      { weight: 1, arbitrary: vchar.map((c) => `\\${String.fromCharCode(c)}`) },
    ),
    { maxLength: 10 },
  )
  .map((parts) => `"${parts.join('')}"`);
const chunkExt = fc
  .array(
    fc
      .tuple(token(8), fc.option(fc.oneof(token(8), quoted), { nil: undefined }))
      .map(([name, value]) => (value === undefined ? `;${name}` : `;${name}=${value}`)),
    { maxLength: 3 },
  )
  .map((exts) => exts.join(''));

/** Chunk sizes of one to three hex digits, letters among them more often than not. */
const chunkData = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 40 }),
  fc.uint8Array({ minLength: 160, maxLength: 300 }),
  fc.integer({ min: 0xa00, max: 0xfff }).map((n) => new Uint8Array(n).fill(0x61 + (n % 26))),
);

const chunk: fc.Arbitrary<Chunk> = fc.record({
  data: chunkData,
  upper: fc.nat(),
  zeros: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 13 }) }),
  ext: fc.oneof(fc.constant(''), chunkExt),
});

const body = fc.uint8Array({ maxLength: 300 });

const framing: fc.Arbitrary<Framing> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('chunked' as const),
      te: fc.constantFrom(
        ['chunked'],
        ['Chunked'],
        ['CHUNKED'],
        ['gzip, chunked'],
        ['gzip,chunked'],
        ['gzip ,  chunked'],
        ['gzip', 'chunked'],
      ),
      chunks: fc.array(chunk, { maxLength: 5 }),
      lastZeros: fc.nat({ max: 3 }),
      lastExt: fc.oneof(fc.constant(''), chunkExt),
      trailers: fields(3),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('length' as const), zeros: fc.nat({ max: 2 }), body }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('close' as const),
      te: fc.constantFrom([], [], [], ['gzip'], ['identity'], ['chunked, gzip'], ['chunked', 'gzip']),
      body,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('none' as const),
      status: fc.constantFrom(204 as const, 304 as const),
      length: fc.option(fc.nat({ max: 5000 }), { nil: undefined }),
    }),
  },
);

/** Final statuses with a body: 200-599 but 204 and 304. */
const finalStatus = fc.integer({ min: 200, max: 599 }).filter((n) => n !== 204 && n !== 304);
/** 1xx but 101 (an upgrade). */
const informStatus = fc.integer({ min: 100, max: 199 }).filter((n) => n !== 101);

const response: fc.Arbitrary<Response> = fc
  .record({
    informs: fc.array(fc.record({ status: informStatus, reason, fields: fields(3) }), { maxLength: 2 }),
    http10: fc.boolean(),
    status: finalStatus,
    reason,
    fields: fields(6),
    connection: fc.constantFrom(undefined, undefined, 'close', 'keep-alive', 'Keep-Alive'),
    at: fc.tuple(fc.nat(), fc.nat()),
    nameCase: fc.nat(),
    framing,
  })
  .map((r) => {
    // Transfer-Encoding only in HTTP/1.1 (see the file's comment); 1xx only
    // before an HTTP/1.1 response (RFC 9110 §15.2: none to HTTP/1.0); no
    // content-length in a 204 (RFC 9110 §8.6).
    const f = r.framing;
    const te = (f.kind === 'chunked' || f.kind === 'close') && f.te.length > 0;
    const http10 = r.http10 && !te;
    const framing: Framing = f.kind === 'none' && f.status === 204 ? { ...f, length: undefined } : f;
    return { ...r, http10, informs: http10 ? [] : r.informs, framing };
  });

function cased(s: string, mask: number): string {
  let t = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    t += (mask >>> (i % 31)) & 1 ? c.toUpperCase() : c;
  }
  return t;
}

function hexSize(n: number, upper: number, zeros: number): string {
  const digits = n.toString(16);
  // At most 16 digits in all: beamish's bound (see the file's comment).
  return '0'.repeat(Math.min(zeros, 16 - digits.length)) + cased(digits, upper);
}

const line = (f: Field): string => `${f.name}:${f.before}${f.value}${f.after}\r\n`;
const named = (f: Field): [string, string] => [f.name.toLowerCase(), f.value];

/** The response's fields in order, framing and connection included. */
function headFields(r: Response): Field[] {
  const all = [...r.fields];
  const f = r.framing;
  const special = (name: string, value: string): Field => ({
    name: cased(name, r.nameCase),
    value,
    before: ' ',
    after: '',
  });
  let framingFields: Field[] = [];
  if (f.kind === 'chunked' || f.kind === 'close') framingFields = f.te.map((v) => special('transfer-encoding', v));
  else if (f.kind === 'length') framingFields = [special('content-length', `${'0'.repeat(f.zeros)}${f.body.length}`)];
  else if (f.length !== undefined) framingFields = [special('content-length', String(f.length))];
  all.splice(r.at[0] % (all.length + 1), 0, ...framingFields);
  if (r.connection !== undefined) all.splice(r.at[1] % (all.length + 1), 0, special('connection', r.connection));
  return all;
}

function serialize(r: Response): Buffer {
  const parts: Buffer[] = [];
  const text = (s: string): void => {
    parts.push(Buffer.from(s, 'latin1'));
  };
  for (const i of r.informs) text(`HTTP/1.1 ${i.status} ${i.reason}\r\n${i.fields.map(line).join('')}\r\n`);
  const f = r.framing;
  const status = f.kind === 'none' ? f.status : r.status;
  text(`HTTP/1.${r.http10 ? 0 : 1} ${status} ${r.reason}\r\n${headFields(r).map(line).join('')}\r\n`);
  if (f.kind === 'chunked') {
    for (const c of f.chunks) {
      text(`${hexSize(c.data.length, c.upper, c.zeros)}${c.ext}\r\n`);
      parts.push(Buffer.from(c.data));
      text('\r\n');
    }
    text(`${'0'.repeat(1 + f.lastZeros)}${f.lastExt}\r\n${f.trailers.map(line).join('')}\r\n`);
  } else if (f.kind === 'length' || f.kind === 'close') {
    parts.push(Buffer.from(f.body));
  }
  return Buffer.concat(parts);
}

/** What both parsers must make of `r`. */
function expected(r: Response): Parsed {
  const f = r.framing;
  let data: Buffer;
  if (f.kind === 'chunked') data = Buffer.concat(f.chunks.map((c) => Buffer.from(c.data)));
  else if (f.kind === 'none') data = Buffer.alloc(0);
  else data = Buffer.from(f.body);
  return {
    informs: r.informs.map((i) => [i.status, i.fields.map(named)] as const),
    status: f.kind === 'none' ? f.status : r.status,
    headers: headFields(r).map(named),
    body: data.toString('latin1'),
    trailers: f.kind === 'chunked' ? f.trailers.map(named) : [],
  };
}

/** `bytes` cut at `cuts` (positions past the ends and repeats ignored). */
function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].filter((c) => c > 0).sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const cut of at) {
    pieces.push(bytes.subarray(from, cut));
    from = cut;
  }
  if (from < bytes.length) pieces.push(bytes.subarray(from));
  return pieces;
}

function bytewise(bytes: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) pieces.push(bytes.subarray(i, i + 1));
  return pieces;
}

// -- the tests -------------------------------------------------------------------

const HEAD = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n';

/** `n` distinct-ish bytes, so a chunk read one byte short or long cannot pass for the right one. */
function payload(n: number): Buffer {
  const buf = Buffer.alloc(n);
  for (let i = 0; i < n; i++) buf[i] = 0x21 + ((i * 7) % 90);
  return buf;
}

/**
 * Chunk-size lines and the size they mean. Every hex letter alone, in both
 * cases (a digit value one off makes the chunk one byte off: a fault);
 * several digits (the place values); mixed case; leading zeros up to
 * beamish's 16 digits; extensions after the size.
 */
const SIZES: readonly (readonly [line: string, size: number])[] = [
  ...[...'0123456789abcdef'].slice(1).map((d) => [d, Number.parseInt(d, 16)] as const),
  ...[...'ABCDEF'].map((d) => [d, Number.parseInt(d, 16)] as const),
  ['10', 0x10],
  ['1a', 0x1a],
  ['1f', 0x1f],
  ['1F', 0x1f],
  ['a0', 0xa0],
  ['A0', 0xa0],
  ['ff', 0xff],
  ['FF', 0xff],
  ['fF', 0xff],
  ['Ff', 0xff],
  ['abc', 0xabc],
  ['ABC', 0xabc],
  ['aBc', 0xabc],
  ['AbC', 0xabc],
  ['fed', 0xfed],
  ['FED', 0xfed],
  ['c0de', 0xc0de],
  ['C0DE', 0xc0de],
  ['dEaD', 0xdead],
  ['00a', 0xa],
  ['00000000000000B', 0xb],
  ['000000000000000e', 0xe],
  ['a;name=value', 0xa],
  ['B;x', 0xb],
  ['c;a;b=c;d="e;f=\\"g\\" h"', 0xc],
  ['D;n="\t"', 0xd],
  ['e;e=f', 0xe],
  ['F;F=F', 0xf],
  ['1e;q', 0x1e],
  ['Ab;x=1;y', 0xab],
];

/** A chunked response: the chunk whose size line is `sizeLine`, then one of 3 bytes, then the last chunk. */
function sized(sizeLine: string, size: number): { bytes: Buffer; body: string } {
  const data = payload(size);
  const bytes = Buffer.concat([
    Buffer.from(`${HEAD}${sizeLine}\r\n`, 'latin1'),
    data,
    Buffer.from('\r\n3\r\nEND\r\n0\r\n\r\n', 'latin1'),
  ]);
  return { bytes, body: `${data.toString('latin1')}END` };
}

describe('Http1 chunk sizes, by value', () => {
  it('reads each size line as the number of bytes that follow: every hex digit, both cases, mixed', () => {
    for (const [sizeLine, size] of SIZES) {
      const { bytes, body } = sized(sizeLine, size);
      for (const pieces of [[bytes], bytewise(bytes)]) {
        const got = viaBeamish(pieces);
        assert.equal(got.error, undefined, `${JSON.stringify(sizeLine)}: ${got.error}`);
        assert.equal(got.body.length, size + 3, JSON.stringify(sizeLine));
        assert.equal(got.body, body, JSON.stringify(sizeLine));
      }
    }
  });

  it('a size one off either way is a fault, never a shorter or longer body', () => {
    for (const [sizeLine, size] of SIZES) {
      for (const wrong of [size - 1, size + 1]) {
        const data = payload(wrong);
        const bytes = Buffer.concat([
          Buffer.from(`${HEAD}${sizeLine}\r\n`, 'latin1'),
          data,
          Buffer.from('\r\n0\r\n\r\n', 'latin1'),
        ]);
        const got = viaBeamish([bytes]);
        assert.ok(got.error !== undefined, `${JSON.stringify(sizeLine)} with ${wrong} bytes: ${JSON.stringify(got)}`);
      }
    }
  });

  it('reads the last chunk right behind a letter-sized chunk as the end of the body', () => {
    for (const [sizeLine, size] of SIZES) {
      const data = payload(size);
      const bytes = Buffer.concat([
        Buffer.from(`${HEAD}${sizeLine}\r\n`, 'latin1'),
        data,
        Buffer.from('\r\n0\r\nx-t: 1\r\n\r\n', 'latin1'),
      ]);
      const got = viaBeamish([bytes]);
      assert.deepEqual(
        got,
        {
          informs: [],
          status: 200,
          headers: [['transfer-encoding', 'chunked']],
          body: data.toString('latin1'),
          trailers: [['x-t', '1']],
        },
        JSON.stringify(sizeLine),
      );
    }
  });

  it('any size in any case, with leading zeros and extensions, is that many bytes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0xfff }),
        fc.nat(),
        fc.nat({ max: 13 }),
        fc.oneof(fc.constant(''), chunkExt),
        fc.array(fc.nat(), { maxLength: 6 }),
        (size, upper, zeros, ext, cuts) => {
          const { bytes, body } = sized(`${hexSize(size, upper, zeros)}${ext}`, size);
          const got = viaBeamish(split(bytes, cuts));
          assert.equal(got.error, undefined, got.error);
          assert.equal(got.body, body);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Http1 against llhttp (node:http)', () => {
  const llhttp = new Llhttp();
  before(() => llhttp.start());
  after(() => llhttp.stop());

  it('llhttp reads the pinned chunk sizes as beamish does', async () => {
    for (const [sizeLine, size] of SIZES) {
      const { bytes, body } = sized(sizeLine, size);
      const node = await llhttp.parse([bytes]);
      assert.deepEqual(node, viaBeamish([bytes]), JSON.stringify(sizeLine));
      assert.equal(node.body, body, JSON.stringify(sizeLine));
    }
  });

  it('both read the same generated responses, however split, as what was generated', async () => {
    await fc.assert(
      fc.asyncProperty(response, fc.array(fc.nat(), { maxLength: 8 }), async (r, cuts) => {
        const bytes = serialize(r);
        const pieces = split(bytes, cuts);
        const want = expected(r);
        const mine = viaBeamish(pieces);
        const node = await llhttp.parse(pieces);
        const where = `bytes: ${JSON.stringify(bytes.toString('latin1'))}`;
        assert.deepEqual(mine, node, `beamish and llhttp disagree; ${where}`);
        assert.deepEqual(mine, want, `both differ from what was generated; ${where}`);
        assert.deepEqual(viaBeamish(bytewise(bytes)), want, `beamish byte by byte; ${where}`);
      }),
      { numRuns: 200 },
    );
  });
});
