import { GatewayError, type CallTarget, type CatalogKind } from '@mcpgate/core';

/**
 * The exact error a caller gets for a name that does not exist (same codes and messages as
 * core's resolveTarget), so a hidden tool, prompt or resource cannot be told apart from a missing
 * one. Returns undefined for targets that are not catalog entries.
 */
export function notFoundError(target: CallTarget): GatewayError | undefined {
  const kind = catalogKindOf(target);
  if (kind === 'tools')
    return new GatewayError('unknown_tool', `unknown tool "${target.exposedName ?? target.name ?? ''}"`);
  if (kind === 'prompts')
    return new GatewayError('unknown_prompt', `unknown prompt "${target.exposedName ?? target.name ?? ''}"`);
  if (kind === 'resources')
    return new GatewayError('unknown_resource', `no upstream serves resource "${target.uri ?? ''}"`);
  return undefined;
}

/** Which catalog list a call's target belongs to (completions refer to a prompt or a resource). */
export function catalogKindOf(target: CallTarget): CatalogKind | undefined {
  switch (target.kind) {
    case 'tool':
      return 'tools';
    case 'prompt':
      return 'prompts';
    case 'resource':
      return 'resources';
    case 'completion':
      return target.name !== undefined ? 'prompts' : target.uri !== undefined ? 'resources' : undefined;
    default:
      return undefined;
  }
}
