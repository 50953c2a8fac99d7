// Which workspace package may import which (dependencies point inward to core). Read by the
// package-topology test and by the import lint rule, so the graph is declared once.
export const PACKAGE_TOPOLOGY = {
  core: [],
  config: ['core'],
  upstream: ['core'],
  faces: ['core'],
  audit: ['core'],
  approvals: ['core'],
  auth: ['core', 'config'],
  masking: ['core', 'config'],
  // Not masking: policy's `secrets:` matchers get masking's detectors injected by the CLI.
  policy: ['core', 'config'],
  // The console's server side (sign-in, sessions, its API) reads the store and verifies identities.
  console: ['core', 'config', 'audit', 'auth'],
  cli: ['core', 'config', 'upstream', 'faces', 'audit', 'approvals', 'auth', 'masking', 'policy', 'console'],
  testkit: [],
};
