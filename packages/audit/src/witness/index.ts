import type { Logger } from '@mcpgate/core';
import { fileWitness } from './file.js';
import { WitnessPublisher } from './publisher.js';
import { S3Witness, type S3WitnessOptions } from './s3.js';
import type { Witness } from './types.js';
import { webhookWitness, type WebhookWitnessOptions } from './webhook.js';

/** `audit.witness` as the audit package needs it (durations in ms, references resolved). */
export interface WitnessConfig {
  readonly file?: string;
  readonly webhook?: WebhookWitnessOptions;
  readonly s3?: S3WitnessOptions;
}

/** A publisher for the configured witnesses, or undefined when none is configured. */
export function createWitnessPublisher(
  config: WitnessConfig | undefined,
  logger?: Logger,
): WitnessPublisher | undefined {
  const witnesses: Witness[] = [];
  if (config?.file) witnesses.push(fileWitness(config.file));
  if (config?.webhook) witnesses.push(webhookWitness(config.webhook));
  if (config?.s3) witnesses.push(new S3Witness(config.s3));
  if (witnesses.length === 0) return undefined;
  return new WitnessPublisher(witnesses, logger ? { logger } : {});
}
