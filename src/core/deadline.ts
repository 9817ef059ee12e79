/**
 * `work`'s outcome, or `late()`'s when `work` has not settled within `ms`. The timer is always cleared,
 * so a bounded call never keeps the process alive; `work` itself is not cancelled.
 */
export async function within<T>(work: Promise<T>, ms: number, late: () => T | Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
