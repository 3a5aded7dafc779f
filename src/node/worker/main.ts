/**
 * Entry point of the analysis worker process (bundled to dist/worker.js and forked by the
 * extension through src/node/worker/host.ts). It chooses the TensorFlow.js backend once
 * (preference from `--backend=<name>`, reported in the `ready` message and the log) and serves
 * analyses through the shared pipeline; all request handling lives in server.ts.
 */
import { initBackend, type BackendPreference } from '../backend';
import * as pipeline from '../pipeline';
import { rankCheckpoints } from '../rank';
import { runWorkerProcess } from './server';

const BACKENDS: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

function backendFromArguments(argv: readonly string[]): BackendPreference {
  const flag = argv.find((a) => a.startsWith('--backend='))?.slice('--backend='.length);
  return BACKENDS.includes(flag as BackendPreference) ? (flag as BackendPreference) : 'auto';
}

runWorkerProcess({
  init: () => initBackend(backendFromArguments(process.argv)),
  analyze: (file, options, control) => {
    // Looked up at call time: the pipeline module is the lead's, and a missing implementation
    // must become an error answer, not a worker that cannot start.
    const analyzeConfigFile = (pipeline as Partial<typeof pipeline>).analyzeConfigFile;
    if (typeof analyzeConfigFile !== 'function') {
      return Promise.reject(new Error('the analysis pipeline (src/node/pipeline.ts) is not implemented in this build'));
    }
    return analyzeConfigFile(file, options, control);
  },
  rank: (file, candidates, options, control) => rankCheckpoints(file, candidates, options, control),
});
