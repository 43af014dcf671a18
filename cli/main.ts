import { Command } from 'commander';

const program = new Command('churn')
  .description('Churn Radar: predicts which customers are about to leave, and helps keep them')
  .showHelpAfterError();

/**
 * Each command's module, loaded only when that command runs: a command loads what it needs (the
 * model for `evaluate`, the queues for `work`), not the whole product. Help loads them all.
 */
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  serve: async () => (await import('./commands/serve.js')).registerServe,
  work: async () => (await import('./commands/work.js')).registerWork,
  demo: async () => (await import('./commands/demo.js')).registerDemo,
  sandbox: async () => (await import('./commands/sandbox.js')).registerSandbox,
  train: async () => (await import('./commands/train.js')).registerTrain,
  evaluate: async () => (await import('./commands/evaluate.js')).registerEvaluate,
  score: async () => (await import('./commands/score.js')).registerScore,
  sentiment: async () => (await import('./commands/sentiment.js')).registerSentiment,
  report: async () => (await import('./commands/report.js')).registerReport,
};

const asked = process.argv[2];
const names = asked !== undefined && Object.hasOwn(COMMANDS, asked) ? [asked] : Object.keys(COMMANDS);
for (const name of names) (await COMMANDS[name]!())(program);

await program.parseAsync(process.argv);
