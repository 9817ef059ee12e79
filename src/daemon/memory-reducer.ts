import { Script } from 'node:vm';

/**
 * An idle daemon gives memory back through V8's memory reducer: the young generation that start-up grew,
 * the pages a burst of traffic left. The reducer starts a collection only when allocation looks slow,
 * and that test includes the embedder (cppgc) heap. Since V8 13.1 (Node 24) that heap's rate is exactly 0
 * in a process that never allocates there, and V8 reads 0 as the fastest rate: the reducer never starts (only
 * its watchdog, 100 s after the last full collection, and not at all while a trickle of work goes on).
 * Compiling a vm.Script allocates one small object on that heap. Done more often than the ~100 s its
 * trace takes to decay back to 0, it keeps the reducer working: on Node 24.21 the bench's idle daemon
 * went from 107 to 85 MB. It costs microseconds every 30 s. Older V8s (Node 20 and 22) average the rate
 * over their last samples instead, and there a nudge would only make it look higher for a while.
 */
const NUDGE_INTERVAL_MS = 30_000;

/** V8 13.1 brought the decaying allocation rate that can reach exactly 0. */
function hasZeroRateReducer(): boolean {
  const [major = 0, minor = 0] = process.versions.v8.split('.').map(Number);
  return major > 13 || (major === 13 && minor >= 1);
}

export function keepMemoryReducerWorking(): void {
  if (!hasZeroRateReducer()) return;
  const nudge = () => new Script('');
  nudge();
  setInterval(nudge, NUDGE_INTERVAL_MS).unref();
}
