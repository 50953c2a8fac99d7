import type { SectionIssue, TracingSection } from '@mcpgate/config';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Load-time checks of `tracing` (what the schema cannot say): the endpoint must be an http(s) URL
 * without credentials in it, and export headers (collector keys) should not cross a network in
 * clear text.
 */
export function tracingConfigIssues(section: TracingSection): SectionIssue[] {
  const issues: SectionIssue[] = [];
  let url: URL;
  try {
    url = new URL(section.endpoint);
  } catch {
    return [
      {
        path: ['endpoint'],
        message: 'must be an http:// or https:// URL, e.g. http://127.0.0.1:4318/v1/traces',
      },
    ];
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    issues.push({ path: ['endpoint'], message: `must be an http:// or https:// URL, not ${url.protocol}` });
  }
  if (url.username || url.password) {
    issues.push({
      path: ['endpoint'],
      message: 'must not carry credentials; send them in tracing.headers with a ${env:…} reference',
    });
  }
  if (
    section.enabled &&
    url.protocol === 'http:' &&
    !LOOPBACK.has(url.hostname) &&
    Object.keys(section.headers).length > 0
  ) {
    issues.push({
      path: ['headers'],
      severity: 'warning',
      message: `go to ${url.host} in clear text (http://); use an https:// endpoint for a collector key`,
    });
  }
  return issues;
}
