// A minimal extension used only to prove the e2e runner (scripts/e2e/run-code-server.mjs --smoke):
// it activates and exposes a tiny API, nothing else.
/* global exports */
'use strict';
exports.activate = function activate() {
  return { smoke: true };
};
exports.deactivate = function deactivate() {};
