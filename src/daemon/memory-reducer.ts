import { Script } from 'node:vm';

/**
 * An idle daemon gives memory back through V8's memory reducer: the young generation that start-up grew,
 * the pages a burst of traffic left. The reducer starts a collection only when allocation looks slow,
 * and since V8 13.1 (Node 24) that test includes the embedder (cppgc) heap, whose rate is exactly 0 in a
 * process that never allocates there; V8 reads 0 as the fastest rate, so the reducer never starts (only
 * its watchdog, 100 s after the last full collection, and not at all while a trickle of work goes on).
 * Compiling a vm.Script allocates one small object on that heap. Done more often than the ~100 s its
 * trace takes to decay back to 0, it keeps the reducer working: on Node 24.21 the bench's idle daemon
 * went from 107 to 85 MB. It costs microseconds every 30 s, and does nothing on older V8s.
 */
const NUDGE_INTERVAL_MS = 30_000;

export function keepMemoryReducerWorking(): void {
  const nudge = () => new Script('');
  nudge();
  setInterval(nudge, NUDGE_INTERVAL_MS).unref();
}
