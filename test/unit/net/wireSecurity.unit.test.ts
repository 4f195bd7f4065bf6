import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerUsersCommand } from '../../../src/cli/usersCommand';
import {
  AuthenticationBusyError,
  AuthenticationError,
  AuthorizationError,
  InvalidArgumentError,
  ProtocolError,
} from '../../../src/errors';
import { fromErrorRecord, toErrorRecord } from '../../../src/errors/errorRecord';
import { fromWireError, toWireError } from '../../../src/net/errorCodec';
import { WIRE_OPS } from '../../../src/net/protocolSchemas';
import {
  addUser,
  CredentialsStore,
  hashPassword,
  MAX_WAITING_CHECKS,
  passwordChecksInProgress,
  readCredentialsFile,
  verifyPassword,
  writeCredentialsFile,
} from '../../../src/net/security/Credentials';
import { decodeAuthArgs, encodeAuthArgs } from '../../../src/net/security/handshake';
import { OP_CLASSES, Permissions, SpaceGrants } from '../../../src/net/security/Permissions';
import { isLoopbackAddress, isLoopbackHost } from '../../../src/config/loopback';
import { resolveServerSecurity } from '../../../src/net/security/ServerSecurity';
import { resolveClientSecurity } from '../../../src/net/security/ClientSecurity';
import { toWireJson } from '../../../src/net/wireJson';

describe('wire security building blocks (issue 18 item 1)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'spacelog-sec-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('scrypt credentials', () => {
    it('hashes with a per-user salt and stored parameters, verifies only the right password', async () => {
      const a = await hashPassword('s3cret');
      const b = await hashPassword('s3cret');
      expect(a.salt).not.toBe(b.salt);
      expect(a.hash).not.toBe(b.hash);
      expect(a).toMatchObject({ algorithm: 'scrypt', N: 32768, r: 8, p: 1, keyLength: 32 });
      expect(JSON.stringify(a)).not.toContain('s3cret');
      expect(await verifyPassword('s3cret', a)).toBe(true);
      expect(await verifyPassword('s3cret!', a)).toBe(false);
      // Parameters are read from the entry, not assumed: a cheaper stored hash still verifies.
      const cheap = { ...a, N: 1024 };
      expect(await verifyPassword('s3cret', cheap)).toBe(false);
    });

    it('hashes at most two password checks at once; the others wait their turn, and every one is answered', async () => {
      const stored = await hashPassword('s3cret');
      const seen: number[] = [];
      const checks = Array.from({ length: 6 }, (_, i) =>
        verifyPassword(i % 2 === 0 ? 's3cret' : 'wrong', stored).finally(() =>
          seen.push(passwordChecksInProgress().hashing),
        ),
      );
      expect(passwordChecksInProgress()).toEqual({ hashing: 2, waiting: 4 });
      expect(await Promise.all(checks)).toEqual([true, false, true, false, true, false]);
      expect(Math.max(...seen)).toBeLessThanOrEqual(2);
      expect(passwordChecksInProgress()).toEqual({ hashing: 0, waiting: 0 });
    });

    it('a check whose connection closed while it waited leaves the queue and hashes nothing', async () => {
      const stored = { ...(await hashPassword('s3cret')) };
      const busy = [verifyPassword('s3cret', stored), verifyPassword('s3cret', stored)];
      const closed = new AbortController();
      const waiting = verifyPassword('s3cret', stored, closed.signal);
      expect(passwordChecksInProgress()).toEqual({ hashing: 2, waiting: 1 });
      closed.abort(new Error('connection closed'));
      await expect(waiting).rejects.toThrow('connection closed');
      expect(passwordChecksInProgress()).toEqual({ hashing: 2, waiting: 0 });
      expect(await Promise.all(busy)).toEqual([true, true]);
      expect(passwordChecksInProgress()).toEqual({ hashing: 0, waiting: 0 });
      await expect(verifyPassword('s3cret', stored, AbortSignal.abort(new Error('gone')))).rejects.toThrow(
        'gone',
      );
    });

    it(`regression: past ${MAX_WAITING_CHECKS} waiting checks an AUTH is refused at once with the retriable AuthenticationBusyError`, async () => {
      // A cheap stored entry (N = 2^10): the queue drains in well under a second.
      const stored = { ...(await hashPassword('s3cret')), N: 1024 };
      const queued = Array.from({ length: 2 + MAX_WAITING_CHECKS }, () => verifyPassword('wrong', stored));
      expect(passwordChecksInProgress()).toEqual({ hashing: 2, waiting: MAX_WAITING_CHECKS });
      const refused = await verifyPassword('s3cret', stored).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AuthenticationBusyError);
      expect(refused).toMatchObject({
        code: 'AUTHENTICATION_BUSY',
        retriable: true,
        waiting: MAX_WAITING_CHECKS,
      });
      expect((await Promise.all(queued)).every((ok) => ok === false)).toBe(true);
    });

    it('round-trips a credentials file (mode 0600) and refuses unknown users and wrong passwords', async () => {
      const file = join(dir, 'users.json');
      let content = readCredentialsFile(file, true);
      content = await addUser(content, 'alice', 'pw-a');
      content = await addUser(content, 'bob', 'pw-b');
      writeCredentialsFile(file, content);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const store = CredentialsStore.fromFile(file);
      expect(store.size).toBe(2);
      expect(await store.verify('alice', 'pw-a')).toBe(true);
      expect(await store.verify('alice', 'pw-b')).toBe(false);
      expect(await store.verify('carol', 'pw-a')).toBe(false);
      expect(readFileSync(file, 'utf8')).not.toMatch(/pw-a|pw-b/u);
    });

    it('refuses a malformed credentials file at load', () => {
      expect(() => new CredentialsStore({ version: 1, users: { x: { algorithm: 'md5' } } } as never)).toThrow(
        InvalidArgumentError,
      );
      expect(() => new CredentialsStore({ users: {} } as never)).toThrow(InvalidArgumentError);
    });
  });

  describe('permissions', () => {
    it('maps every wire op to a class', () => {
      for (const op of WIRE_OPS) expect(OP_CLASSES[op]).toBeDefined();
      expect(Object.keys(OP_CLASSES).sort()).toEqual([...WIRE_OPS].sort());
    });

    it('grants per principal and space, with broadcast and execute rules', () => {
      const permissions = new Permissions({
        principals: {
          alice: { orders: ['read', 'write'], '*': ['take'] },
          ops: { orders: ['admin'] },
          svc: { orders: ['execute:report', 'service:OrderService'] },
        },
        anonymous: { orders: ['read'] },
      });
      const alice = permissions.grantsOf('alice', 'orders');
      expect(alice.missing('READ', false, undefined)).toBeUndefined();
      expect(alice.missing('WRITE', false, undefined)).toBeUndefined();
      expect(alice.missing('TAKE', false, undefined)).toBeUndefined(); // from '*'
      expect(alice.missing('CHANGE', false, undefined)).toBeUndefined();
      expect(alice.missing('CHANGE', true, undefined)).toBe('admin');
      expect(alice.missing('TAKE_MULTIPLE', true, undefined)).toBe('admin');
      expect(alice.missing('CLEAR', false, undefined)).toBe('admin');
      expect(alice.missing('EXECUTE', false, 'report')).toBe('execute:report');
      expect(alice.missing('DESCRIBE', false, undefined)).toBeUndefined();
      expect(permissions.grantsOf('alice', 'customers').missing('WRITE', false, undefined)).toBe('write');
      const ops = permissions.grantsOf('ops', 'orders');
      expect(ops.missing('CLEAR', false, undefined)).toBeUndefined();
      expect(ops.missing('EXECUTE', false, 'anything')).toBeUndefined();
      expect(ops.missing('READ', false, undefined)).toBe('read');
      const svc = permissions.grantsOf('svc', 'orders');
      expect(svc.missing('EXECUTE', false, 'report')).toBeUndefined();
      expect(svc.missing('EXECUTE', false, '$service:OrderService')).toBeUndefined();
      expect(svc.missing('EXECUTE', false, '$service:Other')).toBe('service:Other');
      expect(svc.missing('EXECUTE', false, 'other')).toBe('execute:other');
      // Spacelog's own tasks read whole partitions (verify's snapshots): admin only, whatever else is granted.
      const runner = new Permissions({ principals: { runner: { orders: ['execute', 'read'] } } });
      expect(runner.grantsOf('runner', 'orders').missing('EXECUTE', false, 'report')).toBeUndefined();
      expect(runner.grantsOf('runner', 'orders').missing('EXECUTE', false, '$snapshot:open')).toBe('admin');
      expect(svc.missing('EXECUTE', false, '$snapshot:page')).toBe('admin');
      expect(ops.missing('EXECUTE', false, '$snapshot:open')).toBeUndefined();
      const nobody = permissions.grantsOf('nobody', 'orders');
      expect(nobody.missing('DESCRIBE', false, undefined)).toBe('read');
      expect(nobody.missing('PING', false, undefined)).toBeUndefined();
      expect(permissions.allowsAnonymous).toBe(true);
      expect(permissions.anonymousGrants('orders').missing('WRITE', false, undefined)).toBe('write');
      expect(SpaceGrants.ALL.missing('CLEAR', true, undefined)).toBeUndefined();
    });

    it('refuses unknown grants and keys', () => {
      expect(() => new Permissions({ principals: { a: { orders: ['delete' as never] } } })).toThrow(
        /unknown grant/u,
      );
      expect(() => new Permissions({ principals: {}, extra: 1 } as never)).toThrow(/unknown key/u);
    });
  });

  describe('AUTH handshake', () => {
    it('round-trips a password AUTH and refuses malformed ones before hashing', () => {
      const bytes = encodeAuthArgs({ mechanism: 'password', username: 'alice', password: 'pw' });
      expect(decodeAuthArgs(bytes)).toEqual({ mechanism: 'password', username: 'alice', password: 'pw' });
      expect(decodeAuthArgs(encodeAuthArgs({ mechanism: 'certificate' }))).toEqual({
        mechanism: 'certificate',
      });
      expect(() => decodeAuthArgs(toWireJson({ mechanism: 'kerberos' }))).toThrow(ProtocolError);
      expect(() => decodeAuthArgs(toWireJson({ mechanism: 'password', username: 1 }))).toThrow(ProtocolError);
      expect(() => decodeAuthArgs(toWireJson([1]))).toThrow(ProtocolError);
      expect(() =>
        decodeAuthArgs(toWireJson({ mechanism: 'password', username: 'a', password: 'x'.repeat(2000) })),
      ).toThrow(AuthenticationError);
    });

    it('the client keeps the password out of printed settings but sends it', () => {
      const security = resolveClientSecurity({}, { username: 'alice', password: 'hidden-pw' })!;
      expect(JSON.stringify(security)).not.toContain('hidden-pw');
      expect(decodeAuthArgs(encodeAuthArgs(security.auth!))).toMatchObject({ password: 'hidden-pw' });
      expect(() => resolveClientSecurity(undefined, { username: 'a', password: 'b' })).toThrow(
        InvalidArgumentError,
      );
      expect(() =>
        resolveClientSecurity({ rejectUnauthorized: false }, { username: 'a', password: 'b' }),
      ).toThrow(InvalidArgumentError);
    });
  });

  describe('errors', () => {
    it('round-trip through the wire codec as their classes, naming op and principal', () => {
      const denied = fromWireError(
        toWireError(new AuthorizationError('reader', 'WRITE', 'write', { space: 'orders', type: 'Order' })),
      );
      expect(denied).toBeInstanceOf(AuthorizationError);
      expect(denied).toMatchObject({
        principal: 'reader',
        operation: 'WRITE',
        operationClass: 'write',
        retriable: false,
      });
      const refused = fromErrorRecord(toErrorRecord(new AuthenticationError('no', { principal: 'alice' })));
      expect(refused).toBeInstanceOf(AuthenticationError);
      expect(refused).toMatchObject({ principal: 'alice', code: 'AUTHENTICATION', retriable: false });
    });
  });

  describe('server settings', () => {
    it('knows loopback addresses', () => {
      for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) {
        expect(isLoopbackHost(host)).toBe(true);
      }
      for (const host of ['0.0.0.0', '::', '10.0.0.5', 'example.com'])
        expect(isLoopbackHost(host)).toBe(false);
      for (const address of ['127.0.0.1:9092', 'localhost:9092', '[::1]:9092', '::1', 'LOCALHOST']) {
        expect(isLoopbackAddress(address)).toBe(true);
      }
      for (const address of [
        '10.0.0.5:9092',
        'kafka.example.com:9092',
        '[2001:db8::1]:9092',
        '127.0.0.1.example.com:1',
      ]) {
        expect(isLoopbackAddress(address)).toBe(false);
      }
    });

    it('refuses passwords without TLS and unknown keys', () => {
      expect(() => resolveServerSecurity({ credentials: { version: 1, users: {} } }, '127.0.0.1')).toThrow(
        /needs security.tls/u,
      );
      expect(() =>
        resolveServerSecurity({ tls: { key: 'x', cert: 'y' }, bogus: 1 } as never, '127.0.0.1'),
      ).toThrow(/unknown security option/u);
      expect(resolveServerSecurity({ insecure: true }, '0.0.0.0')).toBeUndefined();
    });
  });

  describe('spacelog users add', () => {
    it('reads the password from the environment, never argv, and writes a hash', async () => {
      const file = join(dir, 'cli-users.json');
      process.env.SPACELOG_TEST_PW = 'from-env-pw';
      const program = new Command('spacelog').exitOverride();
      registerUsersCommand(program);
      const written = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
      try {
        await program.parseAsync(
          ['users', 'add', 'dave', '--file', file, '--password-env', 'SPACELOG_TEST_PW'],
          {
            from: 'user',
          },
        );
      } finally {
        written.mockRestore();
        delete process.env.SPACELOG_TEST_PW;
      }
      expect(await CredentialsStore.fromFile(file).verify('dave', 'from-env-pw')).toBe(true);
      expect(readFileSync(file, 'utf8')).not.toContain('from-env-pw');
    });
  });
});
