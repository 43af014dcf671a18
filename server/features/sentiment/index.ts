export {
  labelOf,
  NEUTRAL_BAND,
  scoreSentiment,
  scoreSentiments,
  type SentimentLabel,
  type SentimentScore,
} from './score-sentiment.js';
export { compoundScores } from './sentiment-in-thread.js';
