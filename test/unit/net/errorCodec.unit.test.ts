import {
  EntryNotFoundError,
  PartitionNotReadyError,
  QuerySyntaxError,
  SchemaValidationError,
  SpacelogError,
  VersionConflictError,
} from '../../../src/errors';
import { fromWireError, toWireError } from '../../../src/net/errorCodec';
import { decodeBody } from './wireRoundTrip';

describe('error mapping', () => {
  it('rebuilds a VersionConflictError with both versions and its context', () => {
    const sent = new VersionConflictError(2, 5, {
      type: 'Order',
      entryId: 'o-1',
      partition: 3,
      space: 'orders',
    });
    const got = fromWireError(decodeBody(toWireError(sent)));
    expect(got).toBeInstanceOf(VersionConflictError);
    expect(got).toBeInstanceOf(SpacelogError);
    expect(got).toBeInstanceOf(Error);
    expect(got).toMatchObject({
      name: 'VersionConflictError',
      code: 'VERSION_CONFLICT',
      retriable: false,
      expectedVersion: 2,
      actualVersion: 5,
      type: 'Order',
      entryId: 'o-1',
      partition: 3,
      space: 'orders',
      message: sent.message,
    });
    expect(got.stack).toContain('VersionConflictError');
  });

  it('keeps class-specific fields and the retriable flag', () => {
    const syntax = fromWireError(
      decodeBody(toWireError(new QuerySyntaxError('unexpected token', 'a = ', 4))),
    );
    expect(syntax).toBeInstanceOf(QuerySyntaxError);
    expect(syntax).toMatchObject({ position: 4, query: 'a = ', code: 'QUERY_SYNTAX' });
    const field = fromWireError(
      decodeBody(toWireError(new SchemaValidationError('bad', 'lines.2.quantity'))),
    );
    expect(field).toMatchObject({ field: 'lines.2.quantity' });
    const notReady = fromWireError(
      decodeBody(toWireError(new PartitionNotReadyError('warming', { partition: 1 }))),
    );
    expect(notReady).toBeInstanceOf(PartitionNotReadyError);
    expect(notReady.retriable).toBe(true);
    expect(fromWireError(decodeBody(toWireError(new EntryNotFoundError({ entryId: 'x' }))))).toBeInstanceOf(
      EntryNotFoundError,
    );
  });

  it('gives a SpacelogError with the code for an unknown class, and INTERNAL for a non-Spacelog error', () => {
    const unknown = fromWireError({
      ...toWireError(new SpacelogError('from a newer server', 'SOMETHING_NEW', true)),
      name: 'SomethingNewError',
    });
    expect(unknown.constructor).toBe(SpacelogError);
    expect(unknown).toMatchObject({ code: 'SOMETHING_NEW', retriable: true, message: 'from a newer server' });
    const internal = fromWireError(toWireError(new TypeError('boom')));
    expect(internal).toMatchObject({ code: 'INTERNAL', retriable: false });
    expect(internal.message).toContain('boom');
  });
});
