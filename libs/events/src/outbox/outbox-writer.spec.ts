import type { EntityManager } from 'typeorm';
import { DiagnosticsProbeEvent } from '../definitions/diagnostics';
import { EventValidationError } from '../envelope';
import { TOPICS } from '../topics';
import { OutboxTransactionError, OutboxWriter } from './outbox-writer';

function fakeManager(inTransaction: boolean) {
  const calls: Array<{ sql: string; params: unknown[] }> = [];
  const manager = {
    queryRunner: inTransaction ? { isTransactionActive: true } : undefined,
    query: async (sql: string, params: unknown[]) => {
      calls.push({ sql, params });
      return [];
    },
  } as unknown as EntityManager;
  return { manager, calls };
}

describe('OutboxWriter', () => {
  const writer = new OutboxWriter();

  it('inserts the envelopes in order, with their topic from the catalog', async () => {
    const { manager, calls } = fakeManager(true);
    const a = DiagnosticsProbeEvent.create('t1', { service: 's', note: 'a' });
    const b = DiagnosticsProbeEvent.create('t2', { service: 's', note: 'b' }, { key: 'k2' });
    await writer.add(manager, a, b);
    expect(calls).toHaveLength(1);
    expect(calls[0].sql).toMatch(
      /INSERT INTO outbox_events \(id, topic, key, type, tenant_id, envelope\) VALUES \(\$1, \$2, \$3, \$4, \$5, \$6::jsonb\), \(\$7/,
    );
    expect(calls[0].params).toEqual([
      a.id,
      TOPICS.diagnostics,
      't1',
      'diagnostics.probe',
      't1',
      JSON.stringify(a),
      b.id,
      TOPICS.diagnostics,
      'k2',
      'diagnostics.probe',
      't2',
      JSON.stringify(b),
    ]);
  });

  it('refuses a manager outside a transaction', async () => {
    const { manager } = fakeManager(false);
    await expect(
      writer.add(manager, DiagnosticsProbeEvent.create('t', { service: 's', note: '' })),
    ).rejects.toThrow(OutboxTransactionError);
  });

  it('refuses unknown or invalid events', async () => {
    const { manager, calls } = fakeManager(true);
    const e = DiagnosticsProbeEvent.create('t', { service: 's', note: '' });
    await expect(writer.add(manager, { ...e, type: 'unknown.event' })).rejects.toThrow(/not defined/);
    await expect(writer.add(manager, { ...e, data: { service: 42 } })).rejects.toThrow(EventValidationError);
    expect(calls).toHaveLength(0);
  });

  it('does nothing for no envelopes', async () => {
    const { manager, calls } = fakeManager(false);
    await writer.add(manager);
    expect(calls).toHaveLength(0);
  });
});
