import type { KafkaMessage } from 'kafkajs';
import {
  PackedRecordCursor,
  packRecords,
  type PackedRecords,
  type UnpackedRecord,
} from '../../../src/log/read/packedRecords';

/** Every record of a packed batch, in order, as the codec's general path would see it. */
function unpackRecords(packed: PackedRecords): UnpackedRecord[] {
  const cursor = new PackedRecordCursor(packed);
  const records: UnpackedRecord[] = [];
  while (cursor.next()) records.push(cursor.record());
  return records;
}

function message(offset: number, key: string | null, value: Buffer | null, headers = {}): KafkaMessage {
  return {
    key: key === null ? null : Buffer.from(key),
    value,
    headers,
    offset: String(offset),
    timestamp: '0',
    attributes: 0,
  } as KafkaMessage;
}

describe('packRecords / unpackRecords', () => {
  it('round-trips offsets, keys, values and the headers of tombstones, through a transferable buffer', () => {
    const records = [
      message(0, 'Order/a', Buffer.from([1, 2, 3]), { 'spacelog.op': 'WRITE' }),
      message(7, 'Order/é', Buffer.alloc(0)),
      message(2 ** 40, 'Order/b', null, {
        'spacelog.op': Buffer.from('TAKE'),
        'spacelog.version': '3',
        'spacelog.origin': [Buffer.from('first'), Buffer.from('second')],
      }),
      message(2 ** 40 + 1, null, Buffer.from('v')),
    ];
    const packed = packRecords(records);
    // Moved to another thread the way a worker posts it: the buffer is transferred, not copied.
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(packed, [packed.buffer]);
    expect(packed.buffer.byteLength).toBe(0);
    port1.close();
    port2.close();

    const unpacked = unpackRecords(structuredClone(packRecords(records)));
    expect(unpacked.map((r) => r.offset)).toEqual([0, 7, 2 ** 40, 2 ** 40 + 1]);
    expect(unpacked.map((r) => r.key?.toString('utf8') ?? null)).toEqual([
      'Order/a',
      'Order/é',
      'Order/b',
      null,
    ]);
    expect(unpacked[0]!.value).toEqual(Buffer.from([1, 2, 3]));
    expect(unpacked[1]!.value).toEqual(Buffer.alloc(0));
    expect(unpacked[2]!.value).toBeNull();
    // Only tombstones carry headers (the codec reads no others); a repeated header keeps its first value.
    expect(unpacked[0]!.headers).toBeUndefined();
    expect(Object.fromEntries(Object.entries(unpacked[2]!.headers!).map(([k, v]) => [k, String(v)]))).toEqual(
      { 'spacelog.op': 'TAKE', 'spacelog.version': '3', 'spacelog.origin': 'first' },
    );
  });

  it('packs an empty batch', () => {
    expect(unpackRecords(packRecords([]))).toEqual([]);
  });
});
