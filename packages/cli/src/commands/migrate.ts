import { migrate, openStore } from '@mcpgate/audit';
import { type Command } from '../command.js';
import { CONFIG_OPTION, loadGatewayConfig } from './audit-common.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply pending database schema migrations (safe to run from several replicas at once)',
  help: [
    'Usage: mcpgate migrate [--config FILE]',
    '',
    'Applies every pending numbered migration to the configured store under an advisory lock, in one',
    'transaction. Run it as the schema owner when the gateway uses a least-privilege role with',
    'store.migrate: check. Refuses a database whose schema is newer than this build.',
  ].join('\n'),
  options: { ...CONFIG_OPTION },
  async run(ctx) {
    const config = await loadGatewayConfig(ctx, 'migrate');
    if (!config) return 1;
    const store = await openStore(config.store, { baseDir: config.baseDir, skipSchema: true });
    try {
      const r = await migrate(store);
      ctx.stdout.write(
        r.applied.length === 0
          ? `${store.description}: schema is current (migration ${String(r.current).padStart(4, '0')})\n`
          : `${store.description}: applied ${r.applied.map((v) => String(v).padStart(4, '0')).join(', ')}; now at ${String(r.current).padStart(4, '0')}\n`,
      );
      return 0;
    } catch (err) {
      ctx.stderr.write(`mcpgate migrate: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    } finally {
      await store.close();
    }
  },
};
