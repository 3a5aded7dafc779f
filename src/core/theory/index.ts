/**
 * The linear theory of transfer (Tahir, Ganguli, Rotskoff, ICML 2025; method.md §5): closed
 * forms for scratch, linear-transfer and fine-tuning risks, their sign boundaries, the tuned-ridge
 * baseline, finite-source corrections and the phase diagram. Pure functions of numbers.
 */
export * from './scratch';
export * from './linearTransfer';
export * from './fineTuning';
export * from './boundaries';
export * from './finiteSource';
export * from './phaseDiagram';
export { createRandom, type RandomSource } from './random';
export * from './teacherStudent';
