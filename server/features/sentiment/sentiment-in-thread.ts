/**
 * Sentiment read on a thread of its own: a sync page's texts take a few milliseconds of lexicon
 * work, which on the job's thread would hold up every other stream's page meanwhile (at ten times
 * HubSpot's limit, a 10,000-contact sync took 22–27 s with it there, 18 s with none read at all).
 * The compound scores are those of `scoreSentiments`.
 */
import { RequestThread } from '../../threads/request-thread.js';
import { scoreSentiments } from './score-sentiment.js';

export interface SentimentRequest {
  texts: readonly string[];
}

/** Fewer texts than this are read on the caller's thread: the round trip would cost more. */
const IN_THREAD_FROM = 16;

let thread: RequestThread<SentimentRequest, number[]> | undefined;

/** Each text's compound score, in order (on the process's sentiment thread, started on first use). */
export function compoundScores(texts: readonly string[]): Promise<number[]> {
  if (texts.length < IN_THREAD_FROM) return Promise.resolve(scoreSentiments(texts).map((s) => s.compound));
  if (!thread || thread.failed)
    thread = new RequestThread('../features/sentiment/sentiment-thread-main.ts', 'sentiment');
  return thread.request({ texts });
}
