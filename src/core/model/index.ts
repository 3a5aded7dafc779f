/** Plain data shared by every layer: ranges, findings, codes, the config model and the analysis result. */
export * from './range';
export * from './finding';
export * from './codes';
export * from './config';
export * from './analysis';
export * from './progress';
