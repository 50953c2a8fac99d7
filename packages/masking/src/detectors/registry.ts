import {
  awsSecretKeyDetector,
  bearerTokenDetector,
  connectionStringDetector,
  secretPairDetector,
} from './credentials.js';
import { emailDetector } from './email.js';
import { ibanDetector } from './iban.js';
import { jwtDetector } from './jwt.js';
import { ipv4Detector, ipv6Detector } from './network.js';
import { cardDetector, phoneDetector, ssnDetector } from './numbers.js';
import { pemPrivateKeyDetector } from './pem.js';
import {
  awsAccessKeyIdDetector,
  githubTokenDetector,
  gitlabTokenDetector,
  googleApiKeyDetector,
  slackTokenDetector,
  slackWebhookDetector,
  stripeKeyDetector,
} from './tokens.js';
import type { Detector } from './types.js';

/** Every built-in detector, by stable id. Order does not matter: overlaps resolve by priority. */
export const BUILTIN_DETECTORS: readonly Detector[] = Object.freeze([
  emailDetector,
  phoneDetector,
  cardDetector,
  ibanDetector,
  ssnDetector,
  ipv4Detector,
  ipv6Detector,
  jwtDetector,
  pemPrivateKeyDetector,
  awsAccessKeyIdDetector,
  awsSecretKeyDetector,
  githubTokenDetector,
  gitlabTokenDetector,
  slackTokenDetector,
  slackWebhookDetector,
  stripeKeyDetector,
  googleApiKeyDetector,
  bearerTokenDetector,
  secretPairDetector,
  connectionStringDetector,
]);

export const BUILTIN_DETECTOR_IDS: readonly string[] = Object.freeze(BUILTIN_DETECTORS.map((d) => d.id));
