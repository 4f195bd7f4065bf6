import { Presets, SingleBar } from 'cli-progress';
import type { LogReadProgress } from '../log/read/LogReader';

/**
 * One progress bar for the warm-up of every partition of a space, fed by the grid's `onProgress`:
 * the bar shows the mean of the partitions' percentages and the mutations read so far. It draws
 * only on a terminal (cli-progress stays silent when the stream is not a TTY).
 */
export class WarmUpProgress {
  private readonly bar: SingleBar;
  private readonly percents: number[];
  private readonly records: number[];
  private readonly startedAt = performance.now();

  constructor(label: string, partitions: number, stream: NodeJS.WritableStream = process.stdout) {
    this.percents = new Array<number>(partitions).fill(0);
    this.records = new Array<number>(partitions).fill(0);
    this.bar = new SingleBar(
      {
        format: `warm-up ${label} |{bar}| {percentage}% | {records} mutations | {rate}/s`,
        stream,
        hideCursor: true,
        clearOnComplete: false,
      },
      Presets.shades_classic,
    );
    this.bar.start(100, 0, { records: 0, rate: 0 });
  }

  /** The grid's `onProgress` callback. */
  readonly onProgress = (partition: number, progress: LogReadProgress): void => {
    if (partition < 0 || partition >= this.percents.length) return;
    this.percents[partition] = progress.percent;
    this.records[partition] = progress.records;
    this.bar.update(Math.floor(this.meanPercent()), { records: this.total(), rate: this.rate() });
  };

  /** Every partition serves: fills the bar and stops it. Returns the mutations read and the seconds taken. */
  finish(): { readonly records: number; readonly seconds: number } {
    this.bar.update(100, { records: this.total(), rate: this.rate() });
    this.bar.stop();
    return { records: this.total(), seconds: this.seconds() };
  }

  /** Warm-up failed: stops drawing, leaving the bar where it was. */
  abandon(): void {
    this.bar.stop();
  }

  private meanPercent(): number {
    return this.percents.reduce((sum, p) => sum + p, 0) / this.percents.length;
  }

  private total(): number {
    return this.records.reduce((sum, r) => sum + r, 0);
  }

  private rate(): number {
    return Math.round(this.total() / Math.max(this.seconds(), 0.001));
  }

  private seconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }
}
