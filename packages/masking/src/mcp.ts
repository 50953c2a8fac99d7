import { methodsWhere, type JsonObject, type MaskingEvent } from '@mcpgate/core';
import { maskString, maskValue } from './mask-value.js';
import type { CompiledProfile } from './profile.js';

/** Methods whose results carry upstream data to mask (core's method table). Everything else passes untouched. */
export const MASKED_METHODS: readonly string[] = methodsWhere((m) => m.maskedResult === true);

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * One content block (tool result item, prompt message content): `text` and an embedded
 * resource's `text` are masked; image, audio, blob and resource_link pass untouched — binary is
 * not inspected (documented in docs/masking.md).
 */
function maskContent(
  block: unknown,
  path: string,
  profile: CompiledProfile,
  events: MaskingEvent[],
): unknown {
  if (!isObj(block)) return block;
  if (block.type === 'text' && typeof block.text === 'string') {
    const text = maskString(block.text, { doc: `${path}.text`, loc: [] }, profile, events);
    return text === block.text ? block : { ...block, text };
  }
  if (block.type === 'resource' && isObj(block.resource) && typeof block.resource.text === 'string') {
    const text = maskString(block.resource.text, { doc: `${path}.resource.text`, loc: [] }, profile, events);
    return text === block.resource.text ? block : { ...block, resource: { ...block.resource, text } };
  }
  return block;
}

/** A content field that is one block or (newer sampling messages) an array of blocks. */
export function maskContentBlocks(
  content: unknown,
  path: string,
  profile: CompiledProfile,
  events: MaskingEvent[],
): unknown {
  if (Array.isArray(content))
    return maskArray(content, path, (b, p) => maskContent(b, p, profile, events)).value;
  return maskContent(content, path, profile, events);
}

function maskArray(
  items: unknown,
  path: string,
  each: (item: unknown, path: string) => unknown,
): { value: unknown; changed: boolean } {
  if (!Array.isArray(items)) return { value: items, changed: false };
  let changed = false;
  const value = items.map((item, i) => {
    const m = each(item, `${path}[${i}]`);
    if (m !== item) changed = true;
    return m;
  });
  return { value: changed ? value : items, changed };
}

/**
 * Masks an MCP result for `method`. Returns the same object when nothing was masked. Paths in
 * events are relative to the result: `content[0].text`, `structuredContent.users[2].email`,
 * `contents[0].text`, `messages[1].content.text`; JSON inside a text continues with `:$…`.
 */
export function maskResult(
  method: string,
  result: JsonObject,
  profile: CompiledProfile,
  events: MaskingEvent[],
): JsonObject {
  const out: Obj = { ...result };
  let changed = false;
  if (method === 'tools/call') {
    const c = maskArray(result.content, 'content', (b, p) => maskContent(b, p, profile, events));
    if (c.changed) {
      out.content = c.value;
      changed = true;
    }
    if (result.structuredContent !== undefined) {
      const s = maskValue(result.structuredContent, { doc: 'structuredContent', loc: [] }, profile, events);
      if (s !== result.structuredContent) {
        out.structuredContent = s;
        changed = true;
      }
    }
  } else if (method === 'resources/read') {
    const c = maskArray(result.contents, 'contents', (item, p) => {
      if (!isObj(item) || typeof item.text !== 'string') return item; // blob: untouched
      const text = maskString(item.text, { doc: `${p}.text`, loc: [] }, profile, events);
      return text === item.text ? item : { ...item, text };
    });
    if (c.changed) {
      out.contents = c.value;
      changed = true;
    }
  } else if (method === 'prompts/get') {
    const c = maskArray(result.messages, 'messages', (msg, p) => {
      if (!isObj(msg)) return msg;
      const content = maskContent(msg.content, `${p}.content`, profile, events);
      return content === msg.content ? msg : { ...msg, content };
    });
    if (c.changed) {
      out.messages = c.value;
      changed = true;
    }
  }
  return changed ? out : result;
}

/** Masks a copy of request arguments (for the audit record); the upstream gets the original. */
export function maskArguments(args: unknown, profile: CompiledProfile, events: MaskingEvent[]): unknown {
  return maskValue(args, { doc: 'params.arguments', loc: [] }, profile, events);
}
