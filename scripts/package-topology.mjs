// Which workspace package may import which (dependencies point inward to core). Read by the
// package-topology test and by the import lint rule, so the graph is declared once.
export const PACKAGE_TOPOLOGY = {
  core: [],
  // The admin APIs' small HTTP kit (JSON bodies, problems, routes), kept out of core.
  'admin-http': ['core'],
  config: ['core'],
  upstream: ['core'],
  faces: ['core'],
  audit: ['core'],
  approvals: ['core', 'config', 'admin-http'],
  auth: ['core', 'config'],
  masking: ['core', 'config'],
  // Not masking: policy's `secrets:` matchers get masking's detectors injected by the CLI.
  policy: ['core', 'config', 'admin-http'],
  // The console's server side (sign-in, sessions, its API) reads the store and verifies identities.
  console: ['core', 'config', 'admin-http', 'audit', 'auth'],
  cli: [
    'core',
    'admin-http',
    'config',
    'upstream',
    'faces',
    'audit',
    'approvals',
    'auth',
    'masking',
    'policy',
    'console',
  ],
  testkit: [],
};
