/**
 * Public surface of config reading: `readConfig` (text → normalised config + problems), the key
 * map types users write in `transferlens.configProfiles`, and the built-in profile registry.
 */
export { readConfig, knownProfileNames, type ReadConfigOptions } from './readConfig';
export type { KeyMapProfile, FieldName, FieldSpec, ValueMapRule } from './keymap';
export { globMatches, fileMatches } from './keymap';
export { BUILTIN_PROFILES, builtinProfile, type BuiltinProfile } from './profiles/index';
export type { IncludeReader } from './hydra';
export { parseTree, selectAll, selectFirst, type TreeNode } from './tree';
export { joinPath, dirnameOf, isAbsolutePath } from './paths';
export { datasetEntries, plannedTrainSize, trainFraction, splitNameList, type PlannedSize } from './datasetList';
