import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { CLI, REPO } from './support.js';

/**
 * The packaging in deploy/ cannot run here (no container engine, no cluster, no systemd as PID 1),
 * so each file is checked for what it must say: parsed, cross-checked against the config it
 * mounts and the endpoints the gateway serves, and `systemd-analyze verify` on the unit. What was
 * not exercised is listed in docs/install.md.
 */
const DEPLOY = join(REPO, 'deploy');
const read = (p: string) => readFileSync(join(DEPLOY, p), 'utf8');
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const configText = read('mcpgate.yaml');
/** `${env:NAME}` references in the shipped config: what every runtime must provide. */
const envRefs = [
  ...new Set([...configText.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!)),
];

const tmp = mkdtempSync(join(tmpdir(), 'mcpgate-deploy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('deploy/mcpgate.yaml', () => {
  it('validates with the environment the Secret and compose file provide', () => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: 'postgres://mcpgate:pw@db:5432/mcpgate',
      MCPGATE_AUDIT_KEY: generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
      MCPGATE_API_KEY_PEPPER: 'x'.repeat(40),
      MCPGATE_PUBLIC_URL: 'https://mcp.example.com/mcp',
      MCPGATE_OIDC_ISSUER: 'https://sso.example.com/realms/example',
    };
    expect(
      Object.keys(env)
        .filter((k) => k !== 'PATH')
        .sort(),
    ).toEqual([...envRefs].sort());
    const r = spawnSync(process.execPath, [CLI, 'validate', '--config', join(DEPLOY, 'mcpgate.yaml')], {
      encoding: 'utf8',
      env,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^ok: .*mcpgate\.yaml \(1 upstream\)\n$/);
    const config = parse(configText) as Obj;
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 8080 });
    expect(config.logging.format).toBe('json');
  });
});

describe('deploy/kubernetes', () => {
  const docs = ['secret.yaml', 'migrate-job.yaml', 'deployment.yaml', 'service.yaml', 'pdb.yaml'].flatMap(
    (f) =>
      parseAllDocuments(read(join('kubernetes', f))).map((d) => {
        expect(d.errors, f).toEqual([]);
        return d.toJS() as Obj;
      }),
  );
  const byKind = (kind: string) => docs.find((d) => d.kind === kind)!;

  it('every object has apiVersion, kind and a name; kustomize lists every file and generates the ConfigMap', () => {
    for (const d of docs)
      expect(d, JSON.stringify(d).slice(0, 80)).toMatchObject({
        apiVersion: expect.any(String),
        kind: expect.any(String),
        metadata: { name: expect.any(String) },
      });
    expect(docs.map((d) => String(d.kind)).sort()).toEqual([
      'Deployment',
      'Job',
      'PodDisruptionBudget',
      'Secret',
      'Service',
    ]);
    const k = parse(read('kustomization.yaml')) as Obj;
    for (const r of k.resources as string[]) expect(existsSync(join(DEPLOY, r)), r).toBe(true);
    expect(k.configMapGenerator).toEqual([{ name: 'mcpgate', files: ['mcpgate.yaml'] }]);
  });

  it('the Secret holds every variable the config references (audit key and pepper included)', () => {
    expect(Object.keys(byKind('Secret').stringData as Obj).sort()).toEqual([...envRefs].sort());
  });

  it('the Deployment probes /readyz and /healthz, runs non-root on a read-only root, and mounts the config', () => {
    const dep = byKind('Deployment');
    const pod = dep.spec.template.spec as Obj;
    const c = pod.containers[0] as Obj;
    expect(dep.spec.selector.matchLabels).toEqual(dep.spec.template.metadata.labels);
    expect(c.args).toEqual(['serve', '--config', '/etc/mcpgate/mcpgate.yaml']);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080 }]);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(c.envFrom).toEqual([{ secretRef: { name: 'mcpgate' } }]);
    const mounts = Object.fromEntries((c.volumeMounts as Obj[]).map((m) => [m.mountPath, m.name]));
    expect(mounts).toMatchObject({ '/etc/mcpgate': 'config', '/tmp': 'tmp', '/var/lib/mcpgate': 'state' });
    expect((pod.volumes as Obj[]).find((v) => v.name === 'config')).toEqual({
      name: 'config',
      configMap: { name: 'mcpgate' },
    });
    // Drain (server.shutdownGrace 20 s) fits in the grace period.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(20);
  });

  it("the Service and the PodDisruptionBudget select the Deployment's pods; the Job migrates with the same image", () => {
    const labels = byKind('Deployment').spec.template.metadata.labels as Obj;
    expect(labels).toMatchObject(byKind('Service').spec.selector as Obj);
    expect(labels).toMatchObject(byKind('PodDisruptionBudget').spec.selector.matchLabels as Obj);
    expect(byKind('Service').spec.ports[0].targetPort).toBe('http');
    const job = byKind('Job').spec.template.spec as Obj;
    expect(job.containers[0].args).toEqual(['migrate', '--config', '/etc/mcpgate/mcpgate.yaml']);
    expect(job.containers[0].image).toBe(byKind('Deployment').spec.template.spec.containers[0].image);
    expect(job.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
  });
});

describe('deploy/compose.yaml', () => {
  it('runs Postgres, then migrate, then the gateway with the config mounted and a read-only root', () => {
    const c = parse(read('compose.yaml'), { merge: true }) as Obj;
    expect(Object.keys(c.services as Obj).sort()).toEqual(['db', 'gateway', 'migrate']);
    const gw = c.services.gateway as Obj;
    expect(gw.command).toEqual(['serve', '--config', '/etc/mcpgate/mcpgate.yaml']);
    expect(c.services.migrate.command).toEqual(['migrate', '--config', '/etc/mcpgate/mcpgate.yaml']);
    expect(gw.depends_on.migrate.condition).toBe('service_completed_successfully');
    expect(c.services.migrate.depends_on.db.condition).toBe('service_healthy');
    expect(Object.keys(gw.environment as Obj).sort()).toEqual([...envRefs].sort());
    expect(gw.volumes).toEqual(['./mcpgate.yaml:/etc/mcpgate/mcpgate.yaml:ro']);
    expect(gw.read_only).toBe(true);
    expect(c.services.migrate.build).toEqual({ context: '..', dockerfile: 'deploy/Containerfile' });
  });
});

describe('deploy/Containerfile', () => {
  const lines = read('Containerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  const KNOWN =
    /^(FROM|RUN|CMD|LABEL|EXPOSE|ENV|ADD|COPY|ENTRYPOINT|VOLUME|USER|WORKDIR|ARG|ONBUILD|STOPSIGNAL|HEALTHCHECK|SHELL)\s/;

  it('parses: every line is a known instruction, and JSON-form arguments are valid JSON', () => {
    for (const l of lines) {
      expect(l, l).toMatch(KNOWN);
      const json = /^(CMD|ENTRYPOINT|VOLUME)\s+(\[.*\])\s*$/.exec(l);
      if (json) expect(() => JSON.parse(json[2]!) as unknown, l).not.toThrow();
    }
  });

  it('the final stage runs as non-root, checks /healthz, serves 8080 and builds from the release tarball', () => {
    const final = lines.slice(lines.findLastIndex((l) => l.startsWith('FROM ')));
    const user = final.filter((l) => l.startsWith('USER ')).pop();
    expect(user).toBeDefined();
    expect(user!.split(/\s+/)[1]).not.toMatch(/^(root|0)(:|$)/);
    expect(final.find((l) => l.startsWith('HEALTHCHECK '))).toContain('http://127.0.0.1:8080/healthz');
    expect(final).toContain('EXPOSE 8080');
    expect(final.find((l) => l.startsWith('ENTRYPOINT '))).toBe('ENTRYPOINT ["mcpgate"]');
    expect(lines.some((l) => l.includes('node scripts/release.mjs'))).toBe(true);
    expect(final.some((l) => /npm install -g \/tmp\/release\/mcpgate-\*\.tgz/.test(l))).toBe(true);
  });
});

describe('deploy/systemd/mcpgate.service', () => {
  const unit = read(join('systemd', 'mcpgate.service'));

  it("starts the binary npm installs globally: an unqualified name systemd finds in npm's bin directory", () => {
    expect(unit).toMatch(/^ExecStart=mcpgate serve --config \/etc\/mcpgate\/mcpgate\.yaml$/m);
    expect(unit).toMatch(/^ExecStartPre=mcpgate migrate --config \/etc\/mcpgate\/mcpgate\.yaml$/m);
    const npmBin = join(execFileSync('npm', ['prefix', '--global'], { encoding: 'utf8' }).trim(), 'bin');
    // systemd's fixed search path for unqualified commands (systemd.service(5), "Command lines").
    expect(['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']).toContain(npmBin);
  });

  it('passes systemd-analyze verify (with the command pointed at an existing executable)', () => {
    const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    expect(probe.status, 'systemd-analyze is needed for this check (Debian: apt-get install systemd)').toBe(
      0,
    );
    const copy = join(tmp, 'mcpgate.service');
    writeFileSync(copy, unit.replace(/^(ExecStart(?:Pre)?=)mcpgate /gm, `$1${process.execPath} `));
    const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it('is the unit docs/deploy.md shows', () => {
    expect(readFileSync(join(REPO, 'docs', 'deploy.md'), 'utf8')).toContain('```ini\n' + unit + '```');
  });
});
