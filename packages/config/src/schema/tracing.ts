/** `tracing`: every call as an OpenTelemetry trace, exported over OTLP/HTTP. Off by default. */
export const tracingSchema = {
  type: 'object',
  description:
    'OpenTelemetry traces: each call becomes a trace with a span per chain step and one for the upstream round trip, exported over OTLP/HTTP. A W3C `traceparent` from the client (HTTP header, or `_meta.traceparent`) is continued and passed on to upstreams. Spans carry metadata only (method, tool name, upstream, decision, rule, error code, session and correlation ids), never arguments, results or credentials. Read at start: changing it needs a restart.',
  additionalProperties: false,
  default: {},
  properties: {
    enabled: {
      type: 'boolean',
      default: false,
      description:
        'Turn tracing on. Off (default): no exporter is loaded and calls allocate nothing for tracing.',
    },
    endpoint: {
      type: 'string',
      minLength: 1,
      default: 'http://127.0.0.1:4318/v1/traces',
      description:
        'The OTLP/HTTP traces URL of a collector (the full path, usually ending in `/v1/traces`). May use `${env:NAME}` references.',
    },
    protocol: {
      type: 'string',
      enum: ['http/protobuf', 'http/json'],
      default: 'http/protobuf',
      description:
        "OTLP/HTTP encoding: `http/protobuf` (OpenTelemetry's default; about a third of the bytes and less CPU) or `http/json`.",
    },
    headers: {
      type: 'object',
      propertyNames: { pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" },
      additionalProperties: { type: 'string' },
      default: {},
      description:
        'HTTP headers sent with every export (a collector API key, e.g. `authorization: Bearer ${env:OTLP_TOKEN}`). Put secrets in `${env:NAME}` / `${file:PATH}` references.',
    },
    sampleRatio: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 1,
      description:
        "Share of new traces recorded (0–1). A call that continues a client's trace follows the client's sampled flag instead.",
    },
    serviceName: {
      type: 'string',
      minLength: 1,
      maxLength: 128,
      default: 'mcpgate',
      description: 'The `service.name` resource attribute of every span (tell gateways apart).',
    },
  },
} as const;

/** As loaded: references resolved, defaults applied. */
export interface TracingSection {
  readonly enabled: boolean;
  readonly endpoint: string;
  readonly protocol: 'http/protobuf' | 'http/json';
  readonly headers: Readonly<Record<string, string>>;
  readonly sampleRatio: number;
  readonly serviceName: string;
}
