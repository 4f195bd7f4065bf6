/**
 * Awaits `step`, calling `notice` with the time waited every `everyMs` until it settles: a warm-up
 * step that waits on Kafka (fencing the older writer, taking over a backup's state) says so while it
 * waits, instead of leaving "warming up" as the last word for as long as it lasts.
 * @internal
 */
export async function noticeWhileSlow<T>(
  step: Promise<T>,
  everyMs: number,
  notice: (waitedMs: number) => void,
): Promise<T> {
  const started = Date.now();
  const timer = setInterval(() => notice(Date.now() - started), everyMs);
  timer.unref();
  try {
    return await step;
  } finally {
    clearInterval(timer);
  }
}
