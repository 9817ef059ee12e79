// A Store's usage writer thread runs beside the gateway's main thread; on a machine whose cores are busy, a
// write can wait and a request should not. On Linux the calling thread (not the process) is made a background
// thread: SCHED_IDLE, which only runs when a core has nothing else to do and never preempts a request, as RocksDB
// does for its compaction threads. Node has no call for the scheduling policy, so util-linux's `chrt` sets
// it; nice 19 comes first, and stays if `chrt` is missing or refused.
import { execFile } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Best effort, Linux only: elsewhere the nice value is the whole process's, and the daemon must not drop. */
export function runCallingThreadInBackground(): void {
  if (process.platform !== 'linux') return;
  try {
    // Per thread on Linux (setpriority(2), "BUGS"): this lowers only the calling thread.
    setPriority(19);
    const threadId = readlinkSync('/proc/thread-self').split('/').at(-1)!;
    // Only the thread id in argv, and no environment but PATH: a child learns nothing of the daemon.
    execFile('chrt', ['--idle', '--pid', '0', threadId], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }, () => undefined);
  } catch {
    // Not permitted, or no /proc: the thread keeps the daemon's priority.
  }
}
