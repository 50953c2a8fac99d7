import { relative, isAbsolute } from 'node:path';
import { findConfigPath, formatIssue, loadConfig, type ConfigIssue } from '@mcpgate/config';
import { str, type Command } from '../command.js';
import { FORMAT_OPTIONS, outputFormat, structuredText } from '../runtime/table.js';
import { SERVING_CHECKS } from '../runtime/config-checks.js';

/** The path as the operator will recognize it: relative to where they ran the command when inside it. */
function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a config file and list every error with its YAML path and line',
  help: [
    'Usage: mcpgate validate [--config FILE] [--format table|json|jsonl]',
    '',
    'Loads the config exactly as the gateway would — schema, semantic checks, ${env:…} and ${file:…}',
    'references — without starting anything. The file is --config, else $MCPGATE_CONFIG, else',
    './mcpgate.yaml.',
    '',
    'On success prints "ok: <file> (N upstreams)" and exits 0. Otherwise prints every problem as',
    '"<file>:<line>:<col> <yaml.path>: <message>" on stderr and exits 1. With --format json, prints',
    '{"ok", "file", "upstreams"?, "errors", "warnings"} on stdout instead (same exit codes).',
    'Resolved secret values are never printed.',
  ].join('\n'),
  options: {
    config: { type: 'string', short: 'c' },
    ...FORMAT_OPTIONS,
  },
  async run(ctx) {
    const { values, stdout, stderr, env, cwd } = ctx;
    const format = outputFormat(ctx);
    const json = format !== 'table';
    const emit = (
      ok: boolean,
      file: string,
      errors: readonly ConfigIssue[],
      warnings: readonly ConfigIssue[],
      upstreams?: number,
    ): void => {
      if (format !== 'table') {
        const body = { ok, file, ...(upstreams === undefined ? {} : { upstreams }), errors, warnings };
        stdout.write(structuredText(format, body));
        return;
      }
      for (const w of warnings)
        stderr.write(`${formatIssue(file, { ...w, message: `warning: ${w.message}` })}\n`);
      for (const e of errors) stderr.write(`${formatIssue(file, e)}\n`);
      if (ok) stdout.write(`ok: ${file} (${plural(upstreams ?? 0, 'upstream')})\n`);
    };

    const found = findConfigPath({ flag: str(values, 'config'), env, cwd });
    if (!found.ok) {
      if (json) emit(false, '', [{ path: '', message: found.message }], []);
      else stderr.write(`mcpgate validate: ${found.message}\n`);
      return 1;
    }
    const file = displayPath(cwd, found.path);
    const result = await loadConfig({ path: found.path, env, cwd, checks: SERVING_CHECKS });
    if (!result.ok) {
      emit(false, file, result.errors, []);
      return 1;
    }
    emit(true, file, [], result.warnings, result.config.upstreams.length);
    return 0;
  },
};
