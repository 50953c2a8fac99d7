import { migrate, openStore, type Store } from '@mcpgate/audit';
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
    let store: Store | undefined;
    try {
      store = await openStore(config.store, { baseDir: config.baseDir, skipSchema: true });
      const r = await migrate(store);
      const v = (n: number): string => String(n).padStart(4, '0');
      ctx.stdout.write(
        r.applied.length === 0
          ? `${store.description}: schema is current (migration ${v(r.current)})\n`
          : `${store.description}: applied ${r.applied.map(v).join(', ')}; now at ${v(r.current)}\n`,
      );
      return 0;
    } catch (err) {
      ctx.stderr.write(`mcpgate migrate: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    } finally {
      await store?.close();
    }
  },
};
