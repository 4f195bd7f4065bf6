import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Resident set size of process `pid` in bytes, from /proc (Linux); undefined when it cannot be read. */
export function residentBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** Open sockets of process `pid`, from /proc (Linux); undefined when it cannot be read. */
export function openSockets(pid: number): number | undefined {
  try {
    const fds = readdirSync(`/proc/${pid}/fd`);
    let sockets = 0;
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
      } catch {
        // closed meanwhile
      }
    }
    return sockets;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; keeps the largest. */
export class RssSampler {
  max = 0;
  samples = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 200,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): number | undefined {
    const rss = residentBytes(this.pid);
    if (rss !== undefined) {
      this.max = Math.max(this.max, rss);
      this.samples++;
    }
    return rss;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
