import type { DriftTarget, Metric, QueryType, ReferenceType } from './query';

export const QUERY_TYPE_LABELS: Record<QueryType, { label: string; description: string }> = {
  drift: { label: 'Drift', description: 'Drift of features, predictions or actuals against a reference' },
  embeddingDrift: { label: 'Embedding drift', description: 'Distance between embedding centroids and a reference' },
  performance: { label: 'Performance', description: 'Accuracy, F1, AUC, RMSE… per version and environment' },
  fairness: { label: 'Fairness', description: 'Parity metrics between a protected and a reference group' },
  biasTrace: { label: 'Bias trace', description: 'Feature values that contribute most to disparate impact' },
  traffic: { label: 'Traffic', description: 'Records per model and version, and traffic share' },
  embeddings: { label: 'Embeddings', description: 'Sampled embedding vectors for the embeddings panel' },
  distribution: { label: 'Distribution', description: 'Histogram of one feature against the reference' },
  models: { label: 'Models', description: 'Models, versions and environments seen in the store' },
};

export const METRIC_LABELS: Record<Metric, string> = {
  psi: 'PSI',
  kl: 'KL divergence',
  js: 'Jensen–Shannon distance',
  hellinger: 'Hellinger distance',
  ks: 'KS statistic',
  ks_pvalue: 'KS p-value',
  wasserstein: 'Wasserstein distance',
  wasserstein_norm: 'Wasserstein (normalised)',
  chi2: 'Chi-squared',
  chi2_pvalue: 'Chi-squared p-value',
  euclidean: 'Euclidean centroid distance',
  cosine: 'Cosine centroid distance',
  accuracy: 'Accuracy',
  precision: 'Precision',
  recall: 'Recall',
  f1: 'F1',
  auc: 'ROC AUC',
  log_loss: 'Log loss',
  rmse: 'RMSE',
  mae: 'MAE',
  mape: 'MAPE',
  r2: 'R²',
  disparate_impact: 'Disparate impact',
  statistical_parity_difference: 'Statistical parity difference',
  equal_opportunity_difference: 'Equal opportunity difference',
  average_odds_difference: 'Average odds difference',
  predictive_parity_ratio: 'Predictive parity ratio',
  selection_rate: 'Selection rate',
  count: 'Count',
  share: 'Share',
};

export const DRIFT_TARGET_LABELS: Record<DriftTarget, string> = {
  feature: 'Features',
  prediction: 'Prediction',
  actual: 'Actual',
};

export const REFERENCE_TYPE_LABELS: Record<ReferenceType, { label: string; description: string }> = {
  environment: { label: 'Environment', description: 'Another environment, e.g. training' },
  version: { label: 'Version', description: 'Another model version' },
  window: { label: 'Fixed window', description: 'A fixed time range' },
  rolling: { label: 'Rolling window', description: 'The span just before each bucket' },
};
