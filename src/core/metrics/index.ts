/**
 * Public surface of the transferability scores: the registry, computeScores, the input
 * contract and the individual score functions for callers that need their details.
 */
export * from './definition';
export * from './input';
export * from './registry';
export * from './rankCorrelation';
export { logme, logmeEvidence, type LogmeResult, type LogmeTargetResult } from './logme';
export { leep } from './leep';
export { nce } from './nce';
export { hScore } from './hScore';
export { shrinkageHScore, ledoitWolfShrinkage } from './shrinkageHScore';
export { gbc } from './gbc';
export { transRate, codingRate } from './transRate';
export { linearCkaOf } from './linearCka';
export { probeAccuracyDetails, type ProbeResult } from './probeAccuracy';
export { probeR2 } from './probeR2';
export { stratifiedFolds, contiguousFolds } from './linearProbe';
