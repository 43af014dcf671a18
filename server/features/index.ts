/**
 * What the model learns from: the feature catalogue, point-in-time feature vectors built from the
 * warehouse, the portal's churn label rule and training sets over several cutoffs, and the
 * sentiment of customer text. It reads the warehouse only, never the CRM.
 */
export {
  FEATURE_CATALOGUE,
  LEFT_OUT,
  featureDefinition,
  featureSpecs,
  identityFeatureNames,
  isIdentityFeature,
  type FeatureDefinition,
  type FeatureSource,
  type FeatureType,
  type FeatureValue,
  type FeatureValues,
  type MissingRule,
  type RiskDirection,
} from './catalogue.js';
export {
  buildFeatures,
  featuresOfContacts,
  type BuildOptions,
  type ContactFeatures,
} from './build/build-features.js';
export { contactChunks, DEFAULT_CHUNK_SIZE, type ContactRow } from './build/contact-chunks.js';
export {
  buildTrainingSet,
  churnRuleOf,
  churnRuleSchema,
  DEFAULT_CHURN_RULE,
  labelAt,
  TrainingSetError,
  type ChurnRule,
  type TrainingRow,
  type TrainingSetOptions,
} from './labels.js';
export { FORMER_CUSTOMER_STAGE } from '../settings/churn-rule.js';
export {
  churnLabel,
  customerEpisodes,
  customerStatusAt,
  describeEvidence,
  statusAt,
  type ChurnEvidence,
  type CustomerEpisode,
  type CustomerStatus,
  type DealHistory,
} from './customer-status.js';
export { dealHistories, loadCustomerEpisodes, portalChurnRule } from './customer-histories.js';
export { ensureTextSentiment, type SentimentScoring } from './build/text-sentiment.js';
export {
  labelOf,
  NEUTRAL_BAND,
  scoreSentiment,
  scoreSentiments,
  type SentimentLabel,
  type SentimentScore,
} from './sentiment/index.js';
