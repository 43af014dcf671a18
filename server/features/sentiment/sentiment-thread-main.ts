/** Runs inside the sentiment thread: scores the texts it is sent. */
import { serveRequests } from '../../threads/serve-requests.js';
import type { SentimentRequest } from './sentiment-in-thread.js';
import { scoreSentiments } from './score-sentiment.js';

serveRequests<SentimentRequest>(({ texts }) => scoreSentiments(texts).map((s) => s.compound));
