import { SingleBar, Presets } from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/** A progress bar in a terminal; a line every few seconds elsewhere (CI logs, pipes). */
export function progressBar(label: string): Progress {
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`,
        stream: process.stderr,
        hideCursor: true,
      },
      Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total) {
        if (!started) {
          bar.start(total, done);
          started = true;
        } else bar.update(done);
      },
      stop: () => started && bar.stop(),
    };
  }
  let lastLog = 0;
  let finished = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (finished || (now - lastLog < 3000 && done < total)) return;
      lastLog = now;
      finished = done >= total;
      process.stderr.write(`${label}: ${done}/${total}\n`);
    },
    stop: () => {},
  };
}
