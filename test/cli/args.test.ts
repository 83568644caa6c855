import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Connect, parseCommandLine, UsageError } from '../../src/cli/args.js';
import { tlsHint } from '../../src/cli/tls-hint.js';
import { endpoint, redactedUrl, takeCredentials } from '../../src/cli/url.js';

/** The command line read in-process: every rule without a Node start-up per case. */
function connect(argv: string[]): Connect {
  const command = parseCommandLine(argv);
  assert.equal(command.kind, 'connect', argv.join(' '));
  return command as Connect;
}

function usageError(argv: string[], message: RegExp): void {
  assert.throws(
    () => parseCommandLine(argv),
    (err: unknown) => err instanceof UsageError && message.test(err.message),
    argv.join(' '),
  );
}

describe('parseCommandLine', () => {
  it('reads the ws:// form with every option, separate and joined', () => {
    const c = connect([
      '-H',
      'a: 1',
      '--header=b: 2',
      '-Hc:3',
      '-s',
      'x',
      '--subprotocol=y',
      '--ca=f.pem',
      '--js',
      'ws://h:1/p?q',
    ]);
    assert.equal(c.mode, 'ws');
    assert.equal(c.url.href, 'ws://h:1/p?q');
    assert.deepEqual(c.headers, [
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ]);
    assert.deepEqual(c.protocols, ['x', 'y']);
    assert.equal(c.caFile, 'f.pem');
    assert.equal(c.js, true);
  });

  it('reads the get form, the URL before or after the options, and after --', () => {
    assert.equal(connect(['get', 'http://h/', '--js']).js, true);
    assert.equal(connect(['get', '--', 'https://h/']).url.href, 'https://h/');
    const c = connect(['get', 'http://h/']);
    assert.equal(c.mode, 'get');
    assert.equal(c.caFile, undefined);
    assert.equal(c.js, false);
  });

  it('--help and --version win over what follows them, in both forms', () => {
    assert.deepEqual(parseCommandLine(['--help', '--frobnicate']), { kind: 'help' });
    assert.deepEqual(parseCommandLine(['get', '-h']), { kind: 'help' });
    assert.deepEqual(parseCommandLine(['--version']), { kind: 'version' });
    assert.deepEqual(parseCommandLine(['get', '--version', 'not a url']), { kind: 'version' });
  });

  it('reads beamish shell, which takes no URL and no option but -h and --version', () => {
    assert.deepEqual(parseCommandLine(['shell']), { kind: 'shell' });
    assert.deepEqual(parseCommandLine(['shell', '--help']), { kind: 'help' });
    assert.deepEqual(parseCommandLine(['shell', '--version']), { kind: 'version' });
    usageError(['shell', 'ws://h/'], /^unexpected argument 'ws:\/\/h\/'$/);
    usageError(['shell', '-H', 'a: b'], /^unknown option -H$/);
  });

  it('turns URL credentials into an authorization: Basic header and strips them from the URL', () => {
    const c = connect(['wss://al%40ce:s%3Acret%C3%A9@h/chat']);
    assert.equal(c.url.href, 'wss://h/chat');
    assert.deepEqual(c.headers, [
      ['authorization', `Basic ${Buffer.from('al@ce:s:creté', 'utf8').toString('base64')}`],
    ]);
    // A user name alone, and a password alone, are credentials too (RFC 7617: user-id ":" password).
    assert.deepEqual(connect(['get', 'http://bob@h/']).headers, [['authorization', 'Basic Ym9iOg==']]);
    assert.deepEqual(connect(['get', 'http://:pw@h/']).headers, [['authorization', 'Basic OnB3']]);
    // The user's own header wins; the URL's credentials are dropped all the same.
    const own = connect(['-H', 'Authorization: Bearer t', 'ws://u:p@h/']);
    assert.deepEqual(own.headers, [['Authorization', 'Bearer t']]);
    assert.equal(own.url.href, 'ws://h/');
  });

  it('refuses mistakes with one clear line each', () => {
    usageError([], /^missing the URL to connect to$/);
    usageError(['--frobnicate', 'ws://h/'], /^unknown option --frobnicate$/);
    usageError(['get', '-s', 'chat', 'http://h/'], /^unknown option -s$/);
    usageError(['ws://h/', '--ca'], /^--ca needs a value$/);
    usageError(
      ['--ca', '--js', 'ws://h/'],
      /^--ca needs a value \('--js' looks like an option; if it is the value, write --ca=--js\)$/,
    );
    usageError(['-H', '-x: 1', 'ws://h/'], /write -H-x: 1\)$/);
    usageError(['--js=1', 'ws://h/'], /^--js takes no value$/);
    usageError(['-H', 'no colon', 'ws://h/'], /^bad header 'no colon': expected 'name: value'$/);
    usageError(['ws://h/', 'ws://i/'], /^unexpected argument 'ws:\/\/i\/'$/);
    usageError(['not a url'], /^bad URL 'not a url'$/);
    usageError(
      ['https://h/x'],
      /^bad URL 'https:\/\/h\/x': expected ws:\/\/ or wss:\/\/ \(for a GET: beamish get https:\/\/h\/x\)$/,
    );
    usageError(['get', 'WS://H/'], /^bad URL 'WS:\/\/H\/': expected http:\/\/ or https:\/\/$/);
  });

  it('never shows the password of a refused URL', () => {
    usageError(['get', 'ws://u:hunter2@h/'], /^bad URL 'ws:\/\/u:\*\*\*@h\/': expected http/);
    usageError(['http://u:hunter2@h/'], /beamish get http:\/\/u:\*\*\*@h\/\)$/);
  });
});

describe('the URL helpers', () => {
  it('redactedUrl keeps the URL as typed when it has no password', () => {
    assert.equal(redactedUrl('WS://H:1', new URL('WS://H:1')), 'WS://H:1');
    assert.equal(redactedUrl('ws://u:p@h/', new URL('ws://u:p@h/')), 'ws://u:***@h/');
  });

  it('takeCredentials leaves invalid percent-encoding as typed', () => {
    const url = new URL('ws://%zz:p@h/');
    assert.deepEqual(takeCredentials(url, []), [['authorization', `Basic ${Buffer.from('%zz:p').toString('base64')}`]]);
    assert.equal(url.href, 'ws://h/');
  });

  it('endpoint gives host, port (the scheme default when none) and TLS', () => {
    assert.deepEqual(endpoint(new URL('wss://[::1]/')), { host: '::1', port: 443, tls: true });
    assert.deepEqual(endpoint(new URL('http://h:8080/')), { host: 'h', port: 8080, tls: false });
    assert.deepEqual(endpoint(new URL('ws://h/')), { host: 'h', port: 80, tls: false });
  });
});

describe('tlsHint', () => {
  it('points at --ca for a chain that ends at an untrusted CA', () => {
    for (const code of [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    ]) {
      const hint = tlsHint(['shutdown', code.toLowerCase()]);
      assert.match(hint ?? '', /does not trust .*if you trust that CA, give its certificate: --ca file\.pem$/, code);
      assert.ok(hint?.includes(`(${code.toLowerCase()})`), code);
    }
  });

  it('says what --ca cannot fix: an expired certificate, a certificate for another name', () => {
    assert.match(
      tlsHint(['shutdown', 'cert_has_expired']) ?? '',
      /validity dates .*--ca file\.pem trusts a CA, it does not/,
    );
    assert.match(tlsHint('err_tls_cert_altname_invalid') ?? '', /not for this host name .*--ca file\.pem trusts a CA/);
  });

  it('has nothing to say about other reasons', () => {
    for (const reason of [['shutdown', 'econnrefused'], 'closed', ['closed', 'The connection was lost.'], undefined]) {
      assert.equal(tlsHint(reason), undefined);
    }
  });
});
