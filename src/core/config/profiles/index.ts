/**
 * The registry of built-in profiles, in tie-break order for detection (earlier wins on equal
 * score). Adding a format = one file in this folder + one line here.
 */
import type { BuiltinProfile } from './types';
import { huggingfaceProfile } from './huggingface';
import { llamaFactoryProfile } from './llamaFactory';
import { axolotlProfile } from './axolotl';
import { torchtuneProfile } from './torchtune';
import { lightningProfile } from './lightning';
import { hydraProfile } from './hydra';
import { ultralyticsProfile } from './ultralytics';

export const BUILTIN_PROFILES: readonly BuiltinProfile[] = [
  huggingfaceProfile,
  llamaFactoryProfile,
  axolotlProfile,
  torchtuneProfile,
  lightningProfile,
  hydraProfile,
  ultralyticsProfile,
];

export function builtinProfile(name: string): BuiltinProfile | undefined {
  return BUILTIN_PROFILES.find((profile) => profile.keyMap.name === name);
}

export type { BuiltinProfile, RefineContext } from './types';
