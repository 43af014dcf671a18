// Prints the run's totals as one plain last line, `N passed, N failed`, which CI reads.
export default class TotalsReporter {
  onRunComplete(_contexts, results) {
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed\n`;
    process.once('exit', () => process.stdout.write(line));
  }
}
