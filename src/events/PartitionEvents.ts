import type { PartitionEvent, PartitionEventListener } from './ContainerHost';

/** What a host knows of one partition: where it serves here, if at all. */
export type PartitionPlace = 'primary' | 'backup' | 'none';

/**
 * The role of each partition in a host and the listeners of its changes: a host reports where each
 * partition serves (`place`), this turns each transition into events (`primary`, `primary-lost`,
 * `backup`, `backup-lost`) and announces the current primaries to a listener that joins late.
 * A listener that throws is reported to `onListenerError` and keeps listening.
 */
export class PartitionEvents {
  private readonly places = new Map<number, PartitionPlace>();
  private readonly listeners = new Set<PartitionEventListener>();

  constructor(private readonly onListenerError: (error: unknown, event: PartitionEvent) => void) {}

  /** Partitions that serve here as primary, ascending. */
  primaries(): number[] {
    return [...this.places]
      .filter(([, place]) => place === 'primary')
      .map(([k]) => k)
      .sort((a, b) => a - b);
  }

  /** True while partition k serves here as primary. */
  isPrimary(partition: number): boolean {
    return this.places.get(partition) === 'primary';
  }

  /** Records where partition k serves now and tells the listeners what changed. */
  place(partition: number, place: PartitionPlace, reason?: string): void {
    const was = this.places.get(partition) ?? 'none';
    if (was === place) return;
    this.places.set(partition, place);
    const why = reason === undefined ? {} : { reason };
    if (was === 'primary') this.emit({ kind: 'primary-lost', partition, ...why });
    if (was === 'backup') this.emit({ kind: 'backup-lost', partition, ...why });
    if (place === 'primary') this.emit({ kind: 'primary', partition });
    if (place === 'backup') this.emit({ kind: 'backup', partition });
  }

  /** Adds a listener; the partitions already primary here are announced to it at once. */
  listen(listener: PartitionEventListener): () => void {
    this.listeners.add(listener);
    for (const partition of this.primaries()) this.call(listener, { kind: 'primary', partition });
    return () => this.listeners.delete(listener);
  }

  private emit(event: PartitionEvent): void {
    for (const listener of [...this.listeners]) this.call(listener, event);
  }

  private call(listener: PartitionEventListener, event: PartitionEvent): void {
    try {
      listener(event);
    } catch (error) {
      this.onListenerError(error, event);
    }
  }
}
