export { Masker } from './masker.js';
export { createArgumentMaskingStep, createMaskingStep } from './step.js';
export { BUILTIN_DETECTORS } from './detectors/registry.js';
export { scanText } from './scan.js';
export { secretScanner } from './secret-scanner.js';
export { maskResult } from './mcp.js';
export { generateSealKeyPair, isSealedBlob, seal, unseal } from './seal.js';
export type { SealedBlob } from './seal.js';
export { maskingConfigIssues } from './check.js';
