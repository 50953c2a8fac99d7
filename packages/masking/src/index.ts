export { Masker } from './masker.js';
export type { MaskingException, MaskOutcome } from './masker.js';
export { createArgumentMaskingStep, createMaskingStep } from './step.js';
export type { MaskingStepOptions } from './step.js';
export { maskingConfigSchema } from './schema.js';
export { DEFAULT_KEY_NAMES, DEFAULT_MASKING_CONFIG, withDefaults } from './config.js';
export type {
  DetectorSetting,
  FieldRuleConfig,
  KeyRulesConfig,
  MaskingConfig,
  MaskingExceptionConfig,
  MaskingProfileConfig,
  MaskingRuleConfig,
  PatternConfig,
  SealConfig,
} from './config.js';
export { compileProfile, validateMaskingConfig } from './profile.js';
export type { CompiledProfile, MaskTarget } from './profile.js';
export { BUILTIN_DETECTORS, BUILTIN_DETECTOR_IDS, builtinDetector } from './detectors/registry.js';
export type { Detector, DetectorKind, Match } from './detectors/types.js';
export { scanText } from './scan.js';
export { secretScanner } from './secret-scanner.js';
export type { TextSecretScanner } from './secret-scanner.js';
export { maskResult, maskArguments, MASKED_METHODS } from './mcp.js';
export { parseJsonPath, pathMatches } from './jsonpath.js';
export type { PathSegment } from './jsonpath.js';
export { STRATEGIES } from './strategies.js';
export type { StrategyName } from './strategies.js';
export { generateSealKeyPair, isSealedBlob, seal, sealKeyId, unseal } from './seal.js';
export type { SealedBlob, SealKeyPair } from './seal.js';
export { maskingConfigIssues } from './check.js';
export type { MaskingConfigIssue } from './check.js';
