import type { Admin } from 'kafkajs';
import { partitionTopic } from '../log/admin/topicNames';
import { fetchEndOffsets } from '../mirror/MirrorLag';

/**
 * The committed end of each partition log of a space, read over one Kafka admin that is connected on
 * first use and kept (a console reads the ends every few seconds). The caller disconnects the admin.
 */
export class LogEndReader {
  private connected: Promise<void> | undefined;

  constructor(
    private readonly admin: Admin,
    private readonly prefix: string,
    private readonly space: string,
  ) {}

  /** Connects the admin once; after a failed connect the next call tries again. */
  async connect(): Promise<void> {
    this.connected ??= this.admin.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
  }

  /** The committed end of each partition log (partitions 0..count-1). */
  async logEnds(count: number): Promise<number[]> {
    await this.connect();
    return fetchEndOffsets(
      this.admin,
      Array.from({ length: count }, (_, k) => partitionTopic(this.prefix, this.space, k)),
    );
  }
}
