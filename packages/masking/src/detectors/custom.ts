import { GatewayError, unsafePatternReason } from '@mcpgate/core';
import { PRIORITY, type Detector, type Match } from './types.js';

/** A detector from a config pattern; refused at load unless it passes the safety check. */
export function customPatternDetector(id: string, source: string, flags = ''): Detector {
  const why = unsafePatternReason(source, flags);
  if (why) throw new GatewayError('internal', `masking: pattern "${id}" rejected: ${why}`);
  const re = new RegExp(source, `${flags}g`);
  return {
    id,
    kind: 'custom',
    description: `custom pattern ${id}`,
    find(text: string, out: Match[]): void {
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        out.push({ detector: id, start: m.index, end: m.index + m[0].length, priority: PRIORITY.custom });
      }
    },
  };
}
