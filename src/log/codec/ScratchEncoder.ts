import type { Type } from 'avsc';

/** Starting size of a scratch buffer; it grows to the largest value encoded. */
const INITIAL_BYTES = 4096;

/**
 * Avro encoding through one reused buffer. avsc's `toBuffer` allocates a zero-filled buffer of its
 * own per value (a new ArrayBuffer each: ~2% of the CPU of a sync write load). Here a value is
 * encoded into the scratch buffer, and either viewed in place (valid until the next write) or
 * copied out into a buffer from Node's shared pool.
 * @internal
 */
export class ScratchEncoder {
  private buffer = Buffer.allocUnsafe(INITIAL_BYTES);

  /** The value's encoding, as a view of the scratch buffer: valid until this encoder's next call. */
  write(type: Type, value: unknown): Buffer {
    let end = type.encode(value, this.buffer, 0);
    if (end < 0) {
      // avsc answers minus the bytes it lacked.
      this.buffer = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.buffer.length - end));
      end = type.encode(value, this.buffer, 0);
    }
    return this.buffer.subarray(0, end);
  }

  /** The value's encoding, in a buffer of its own. */
  copyOf(type: Type, value: unknown): Buffer {
    const view = this.write(type, value);
    const out = Buffer.allocUnsafe(view.length);
    view.copy(out);
    return out;
  }
}
