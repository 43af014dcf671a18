/**
 * CPU time of a process and its live descendants, read from /proc (utime + stime of each, plus the
 * time of children already reaped), and a sampler that keeps a timeline of it so the CPU of a
 * stretch of wall time (a cycle's phase) can be read afterwards.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, seconds. */
  own: number;
  /** cutime + cstime (reaped children), seconds. */
  reaped: number;
}

function readStat(pid: number, path = `/proc/${pid}/stat`): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  // The command name may hold spaces and parentheses; the fields follow its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const tick = (i: number) => Number(fields[i]) / TICKS_PER_SECOND;
  // fields[0] is the state (field 3 of proc(5)): ppid is field 4, utime 14 … cstime 17.
  return { pid, ppid: Number(fields[1]), own: tick(11) + tick(12), reaped: tick(13) + tick(14) };
}

/** `pid` and every live process below it, with their /proc stats. */
function processTree(pid: number): ProcStat[] {
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) stats.set(Number(entry), stat);
  }
  if (!stats.has(pid)) return [];
  const tree: ProcStat[] = [];
  const pending = [pid];
  while (pending.length > 0) {
    const current = pending.pop()!;
    tree.push(stats.get(current)!);
    for (const [child, s] of stats) if (s.ppid === current) pending.push(child);
  }
  return tree;
}

/** CPU seconds used so far by `pid` and every process below it. */
export function processTreeCpuSeconds(pid: number): number {
  return processTree(pid).reduce((total, stat) => total + stat.own + stat.reaped, 0);
}

/**
 * CPU seconds used so far by the process's main thread alone (its thread id is the pid): for Node,
 * the event loop that every job of a worker shares, apart from its other threads.
 */
export function mainThreadCpuSeconds(pid: number): number {
  return readStat(pid, `/proc/${pid}/task/${pid}/stat`)?.own ?? 0;
}

/**
 * The largest peak resident set (VmHWM, MB) among `pid` and its live descendants: the figure a
 * process is limited by (a PostgreSQL server's backends are separate processes, each with its own).
 */
export function largestPeakRssMb(pid: number): number {
  let largest = 0;
  for (const stat of processTree(pid)) {
    let status: string;
    try {
      status = readFileSync(`/proc/${stat.pid}/status`, 'utf8');
    } catch {
      continue;
    }
    largest = Math.max(largest, Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024);
  }
  return largest;
}

export interface CpuTimeline {
  /** The latest reading, CPU seconds. */
  latest(): number;
  /** CPU seconds used by wall-clock time `at` (ms since the epoch), interpolated between readings. */
  at(at: number): number;
  stop(): void;
}

/** Reads the process tree's CPU (or what `measure` reads of it) every `everyMs` until stopped. */
export function sampleCpu(pid: number, everyMs = 200, measure = processTreeCpuSeconds): CpuTimeline {
  const samples: [number, number][] = [[Date.now(), measure(pid)]];
  const read = () => {
    const cpu = measure(pid);
    // A process that has gone reads as 0: keep the last figure.
    if (cpu >= samples[samples.length - 1]![1]) samples.push([Date.now(), cpu]);
  };
  const timer = setInterval(read, everyMs);
  return {
    latest: () => {
      read();
      return samples[samples.length - 1]![1];
    },
    at: (at) => {
      const after = samples.findIndex(([t]) => t >= at);
      if (after === -1) return samples[samples.length - 1]![1];
      if (after === 0) return samples[0]![1];
      const [t0, c0] = samples[after - 1]!;
      const [t1, c1] = samples[after]!;
      return c0 + ((c1 - c0) * (at - t0)) / Math.max(1, t1 - t0);
    },
    stop: () => clearInterval(timer),
  };
}
