/** Chunks smaller than this are copied into a shared block instead of being kept one by one. */
const SMALL_CHUNK_BYTES = 4096;
/** Size of the block small chunks are gathered in. */
const BLOCK_BYTES = 64 * 1024;

/**
 * The bytes of a frame still arriving, kept as a list of chunks and joined once when the frame is
 * complete: a 16 MiB frame in 64 KiB chunks costs one 16 MiB copy, not one per chunk. Small chunks
 * (a peer dripping a byte at a time) are gathered into 64 KiB blocks, so the list stays short and
 * the memory held stays close to the bytes received.
 * @internal
 */
export class ChunkList {
  private chunks: Buffer[] = [];
  private size = 0;
  private block: Buffer | undefined;
  private blockUsed = 0;
  /** chunks[0] is what was left of a larger buffer after take(); compact() copies it. */
  private headIsRest = false;

  /** Bytes held. */
  get length(): number {
    return this.size;
  }

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const wasEmpty = this.size === 0;
    this.size += chunk.length;
    // Nothing pending (the usual case: a chunk of whole frames) keeps the chunk itself, so its frames
    // are cut out in place instead of a 64 KiB block allocated and copied into for every chunk (a
    // fifth of a small remote read's CPU). A socket's chunks own exact-sized memory, so keeping one
    // pins nothing larger; compact() still copies an unused tail.
    if (wasEmpty) {
      this.chunks.push(chunk);
      return;
    }
    if (chunk.length < SMALL_CHUNK_BYTES) {
      if (this.block === undefined || this.blockUsed + chunk.length > this.block.length) {
        this.closeBlock();
        this.block = Buffer.allocUnsafe(BLOCK_BYTES);
      }
      chunk.copy(this.block, this.blockUsed);
      this.blockUsed += chunk.length;
      return;
    }
    this.closeBlock();
    this.chunks.push(chunk);
  }

  /** The big-endian uint32 at the start; the caller checks `length >= 4`. */
  peekUInt32BE(): number {
    this.closeBlock();
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readUInt32BE(0);
    let value = 0;
    let read = 0;
    for (const chunk of this.chunks) {
      for (let i = 0; i < chunk.length && read < 4; i++, read++) value = value * 256 + chunk[i]!;
      if (read === 4) break;
    }
    return value;
  }

  /** Removes and returns the first `n` bytes (n <= length), joining chunks at most once. */
  take(n: number): Buffer {
    this.closeBlock();
    const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    const rest = joined.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.headIsRest = rest.length > 0;
    this.size -= n;
    return joined.subarray(0, n);
  }

  /** Copies a leftover tail so a few bytes do not pin the large buffer they came from. */
  compact(): void {
    if (!this.headIsRest) return;
    this.headIsRest = false;
    const head = this.chunks[0];
    if (head !== undefined) this.chunks[0] = Buffer.from(head);
  }

  private closeBlock(): void {
    if (this.block === undefined || this.blockUsed === 0) return;
    const used = this.block.subarray(0, this.blockUsed);
    // A block barely used is copied out, so it does not hold 64 KiB for a few bytes.
    this.chunks.push(this.blockUsed < BLOCK_BYTES / 4 ? Buffer.from(used) : used);
    this.block = undefined;
    this.blockUsed = 0;
  }
}
