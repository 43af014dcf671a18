/**
 * How fast the product scores support text: prints texts per second over a mix of generated
 * tickets, reply emails and NPS comments (the texts the features score), after a warm-up.
 *
 *   npx tsx bench/sentiment-throughput.ts [texts=20000] [seed=1]
 */
import { replyEmail } from '../sandbox/generator/email-text.js';
import { npsComment } from '../sandbox/generator/feedback-text.js';
import { Random } from '../sandbox/generator/random.js';
import { ticketText, type Tone } from '../sandbox/generator/ticket-text.js';
import { scoreSentiments } from '../server/features/sentiment/index.js';

const count = Number(process.argv[2] ?? 20_000);
const seed = Number(process.argv[3] ?? 1);
if (!Number.isInteger(count) || count <= 0 || !Number.isInteger(seed)) {
  console.error('usage: npx tsx bench/sentiment-throughput.ts [texts] [seed]');
  process.exit(2);
}

const rng = new Random(seed);
const tones: Tone[] = ['angry', 'neutral', 'positive'];
const texts = Array.from({ length: count }, (_, i) => {
  const tone = tones[i % 3]!;
  if (i % 3 === 0) {
    const ticket = ticketText(rng, tone, {
      firstname: 'Ana',
      plan: 'Pro',
      seats: 12,
      previousTickets: i % 4,
    });
    return `${ticket.subject}\n${ticket.content}`;
  }
  if (i % 3 === 1) return replyEmail(rng, tone, 'Your account', 'Ana').text;
  return npsComment(rng, rng.int(0, 10)) || 'No comment.';
});
const words = texts.reduce((sum, text) => sum + text.split(/\s+/).length, 0) / texts.length;

scoreSentiments(texts.slice(0, 1000));
const started = performance.now();
scoreSentiments(texts);
const seconds = (performance.now() - started) / 1000;
console.log(
  `sentiment, ${count} support texts (${words.toFixed(0)} words on average): ${Math.round(count / seconds)} texts/s`,
);
