import cliProgress, { MultiBar, Presets, type TimeFormatter } from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/** Bars shown together, one line each (the first sync's object types). */
export interface ProgressGroup {
  bar(label: string): Progress;
  stop(): void;
}

/** Wide enough for the demo's labels, so that bars shown one after another line up. */
const LABEL_WIDTH = 20;

/** A label padded to the width the demo's bars share. */
export const padLabel = (text: string) => text.padEnd(LABEL_WIDTH);

/** The bars on screen now: a line printed meanwhile goes above them, not through them. */
let onScreen: MultiBar | null = null;

/**
 * Prints one line of output. While bars are drawn on the same terminal, the line is written above
 * them (and they are redrawn below), so log lines and banners never tear a bar apart.
 */
export function printLine(text: string, stream: NodeJS.WriteStream = process.stdout): void {
  if (onScreen && stream.isTTY && process.stderr.isTTY) onScreen.log(`${text}\n`);
  else stream.write(`${text}\n`);
}

/** Bars in a terminal; elsewhere (CI logs, pipes) a line per bar every few seconds and when it completes. */
export function progressGroup(): ProgressGroup {
  return process.stderr.isTTY ? terminalGroup() : lineGroup();
}

/** A group of one bar. */
export function progressBar(label: string): Progress {
  const group = progressGroup();
  const bar = group.bar(label);
  return { update: (done, total) => bar.update(done, total), stop: () => group.stop() };
}

/** cli-progress prints an unknown time left (no progress yet) as "LLs" or "NFs"; this says "?". */
const timeLeft: TimeFormatter = (seconds, options, roundTo) =>
  typeof seconds === 'number' && Number.isFinite(seconds)
    ? cliProgress.Format.TimeFormat(seconds, options, roundTo)
    : '?';

function terminalGroup(): ProgressGroup {
  const multi = new MultiBar(
    {
      format: '{label} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left',
      stream: process.stderr,
      hideCursor: true,
      formatTime: timeLeft,
      // A line logged above the bars moves them down a row: every bar is drawn again, changed or not.
      forceRedraw: true,
    },
    Presets.shades_classic,
  );
  let stopped = false;
  return {
    bar(label) {
      let bar: ReturnType<MultiBar['create']> | undefined;
      return {
        update(done, total) {
          if (stopped) return;
          if (!bar) {
            bar = multi.create(total, done, { label });
            onScreen = multi;
          } else {
            bar.setTotal(total);
            bar.update(done);
          }
        },
        stop: () => bar?.stop(),
      };
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (onScreen === multi) {
        // Lines logged since the last redraw are flushed before the bars' final drawing.
        multi.update();
        onScreen = null;
      }
      multi.stop();
    },
  };
}

function lineGroup(): ProgressGroup {
  return {
    bar(label) {
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
    },
    stop: () => {},
  };
}
