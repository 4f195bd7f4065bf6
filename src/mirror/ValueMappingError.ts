/** A value that cannot be converted for its column (a poison record, or a bad Avro default). */
export class ValueMappingError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ValueMappingError';
  }
}
