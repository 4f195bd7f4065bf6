import { ChunkList } from '../../../src/net/ChunkList';

describe('ChunkList', () => {
  it('cuts a frame out of a chunk in place when nothing was pending (no copy per chunk; regression: a 64 KiB block per read)', () => {
    const list = new ChunkList();
    // Its own memory, as a socket's chunks have (Buffer.from would share the pool with compact's copy).
    const chunk = Buffer.alloc(16);
    chunk.write('0123456789abcdef');
    list.append(chunk);
    const frame = list.take(10);
    expect(frame.toString()).toBe('0123456789');
    expect(frame.buffer).toBe(chunk.buffer);
    // The unused tail is copied, so it does not keep the chunk's memory.
    list.compact();
    expect(list.length).toBe(6);
    const rest = list.take(6);
    expect(rest.toString()).toBe('abcdef');
    expect(rest.buffer).not.toBe(chunk.buffer);
  });

  it('joins bytes that arrive a few at a time after a pending head, in order', () => {
    const list = new ChunkList();
    const text = 'a frame that drips in one byte at a time';
    for (const byte of Buffer.from(text)) list.append(Buffer.from([byte]));
    expect(list.length).toBe(text.length);
    expect(list.peekUInt32BE()).toBe(Buffer.from(text).readUInt32BE(0));
    expect(list.take(text.length).toString()).toBe(text);
    expect(list.length).toBe(0);
  });

  it('joins a pending small chunk with large and small ones that follow', () => {
    const list = new ChunkList();
    const parts = [Buffer.alloc(10, 1), Buffer.alloc(5000, 2), Buffer.alloc(30, 3), Buffer.alloc(7, 4)];
    for (const part of parts) list.append(part);
    const all = Buffer.concat(parts);
    expect(list.take(5020).equals(all.subarray(0, 5020))).toBe(true);
    list.compact();
    expect(list.take(all.length - 5020).equals(all.subarray(5020))).toBe(true);
  });
});
