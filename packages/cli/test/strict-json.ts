/**
 * Strict JSON for log lines: JSON.parse accepts duplicate keys (the last wins), but strict
 * pipelines reject them, so this also fails when any object in the line repeats a key.
 */
export function parseStrictJsonLine(line: string): Record<string, unknown> {
  const value = JSON.parse(line) as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`log line is not a JSON object: ${line}`);
  }
  // The text is valid JSON now, so a small scanner suffices: track strings and object nesting,
  // and for each object the keys seen (a string directly followed by ':' is a key).
  const stack: (Set<string> | null)[] = [];
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '{') stack.push(new Set());
    else if (c === '[') stack.push(null);
    else if (c === '}' || c === ']') stack.pop();
    else if (c === '"') {
      let j = i + 1;
      while (line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      let k = j + 1;
      while (line[k] === ' ') k++;
      const keys = stack[stack.length - 1];
      if (line[k] === ':' && keys) {
        const key = JSON.parse(line.slice(i, j + 1)) as string;
        if (keys.has(key)) throw new Error(`duplicate key "${key}" in log line: ${line}`);
        keys.add(key);
      }
      i = j;
    }
  }
  return value as Record<string, unknown>;
}
