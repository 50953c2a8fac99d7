import type { Identity } from './identity.js';

export type Era = 'legacy' | 'modern';
export type FaceKind = 'stdio' | 'http' | 'sse';

export interface ClientInfo {
  readonly name: string;
  readonly version: string;
}

/** One downstream session: a stdio connection, a legacy HTTP session, or one modern-era request's context. */
export interface SessionInfo {
  readonly id: string;
  readonly face: FaceKind;
  era: Era;
  identity: Identity;
  client?: ClientInfo;
  protocolVersion?: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  /** For stdio: the OS process and host the gateway runs as (the client spawned it). */
  readonly host?: string;
  readonly pid?: number;
  readonly osUser?: string;
  readonly startedAt: Date;
}
