/**
 * End-to-end maps of a linear checkpoint, read off by probing it with the unit vectors:
 * row j of the feature map is Φ(e_j) − Φ(0), and the head map is f_s(e_j) − f_s(0). They feed the
 * closed-form verdict of src/core/analysis/linearClosedForm.ts.
 */
import { matrix } from '../core/linalg/matrix';
import type { LinearCheckpointMaps } from '../core/analysis/linearClosedForm';
import type { LoadedCheckpoint } from './readers/checkpoint';

export async function linearCheckpointMaps(checkpoint: LoadedCheckpoint, inputDim: number, layer?: string): Promise<LinearCheckpointMaps> {
  const probe = matrix(inputDim + 1, inputDim);
  for (let j = 0; j < inputDim; j++) probe.data[j * inputDim + j] = 1; // last row stays 0
  const feats = await checkpoint.features(probe, { layer });
  const k = feats.cols;
  const featureMap = matrix(inputDim, k);
  for (let j = 0; j < inputDim; j++) for (let c = 0; c < k; c++) featureMap.data[j * k + c] = feats.data[j * k + c]! - feats.data[inputDim * k + c]!;
  const out = await checkpoint.predict(probe);
  let headMap: Float64Array | undefined;
  if (out.cols === 1) headMap = Float64Array.from({ length: inputDim }, (_, j) => out.data[j]! - out.data[inputDim]!);
  return { featureMap, headMap };
}
