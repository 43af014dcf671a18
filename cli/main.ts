import { Command } from 'commander';
import { registerDemo } from './commands/demo.js';
import { registerSandbox } from './commands/sandbox.js';
import { registerSentiment } from './commands/sentiment.js';
import { registerServe } from './commands/serve.js';
import { registerWork } from './commands/work.js';
import { registerTrain } from './commands/train.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerScore } from './commands/score.js';
import { registerReport } from './commands/report.js';

const program = new Command('churn')
  .description('Churn Radar: predicts which customers are about to leave, and helps keep them')
  .showHelpAfterError();

registerServe(program);
registerWork(program);
registerDemo(program);
registerSandbox(program);
registerTrain(program);
registerEvaluate(program);
registerScore(program);
registerSentiment(program);
registerReport(program);

await program.parseAsync(process.argv);
