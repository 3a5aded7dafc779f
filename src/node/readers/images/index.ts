/**
 * Public API of the image-folder reader, for the pipeline: scan + sample (`readImageFolder`),
 * preprocessing resolution (`resolveImagePreprocessing`), feature extraction with progress and
 * cache (`extractImageFeatures`), and the decoder.
 */
export * from './folder';
export * from './decode';
export * from './preprocessing';
export * from './features';
