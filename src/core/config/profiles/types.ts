/**
 * What a built-in profile is: a key map (the same shape users write in
 * `transferlens.configProfiles`) plus the few format rules a key map cannot express.
 * Adding a profile = one file exporting a `BuiltinProfile` + one line in `index.ts`.
 */
import type { Finding } from '../../model/finding';
import type { SourceValue } from '../../model/config';
import type { DraftFields, KeyMapProfile } from '../keymap';
import type { TreeNode } from '../tree';

export interface RefineContext {
  /** The (composed, interpolated) tree of the file. */
  readonly root: TreeNode | undefined;
  /** Fields read by the key map; refine may adjust them. */
  readonly fields: DraftFields;
  /** Extra references captured by `extras`; refine may add more. */
  readonly extras: Record<string, SourceValue<unknown>>;
  readonly problems: Finding[];
  /** Every dataset when the config names several (collected from a `[*]` path); refine may replace it (LLaMA-Factory splits `a,b`). */
  datasets: SourceValue<string>[] | undefined;
}

export interface BuiltinProfile {
  readonly keyMap: KeyMapProfile;
  /** Resolve OmegaConf `${…}` interpolation before reading fields (Hydra, torchtune). */
  readonly interpolation?: boolean;
  /** Compose a Hydra `defaults:` list before reading fields. */
  readonly composition?: 'hydra';
  /** Extra references the resolver needs (e.g. LLaMA-Factory `dataset_dir`): name → key paths. */
  readonly extras?: Readonly<Record<string, readonly string[]>>;
  /** Format rules beyond the key map (e.g. "freeze with 0 trainable layers is a linear probe"). */
  readonly refine?: (context: RefineContext) => void;
  /** One line for the docs. */
  readonly description: string;
}
