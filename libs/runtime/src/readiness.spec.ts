import { Readiness } from './readiness';

describe('Readiness', () => {
  it('is unready until started, ready when every check passes, unready while draining', async () => {
    const r = new Readiness();
    r.add({ name: 'database', check: async () => true });
    expect((await r.report()).ready).toBe(false);
    r.markStarted();
    expect(await r.report()).toEqual({ ready: true, checks: { database: { ok: true } } });
    r.markDraining();
    expect(await r.report()).toMatchObject({
      ready: false,
      checks: { shutdown: { ok: false, detail: 'draining' } },
    });
  });

  it('reports failing, throwing and hanging checks by name', async () => {
    const r = new Readiness();
    r.markStarted();
    r.add({ name: 'kafka', check: async () => false });
    r.add({ name: 'auth', check: async () => Promise.reject(new Error('connection refused')) });
    r.add({ name: 'slow', check: () => new Promise<boolean>(() => undefined) });
    const report = await r.report(50);
    expect(report.ready).toBe(false);
    expect(report.checks).toEqual({
      kafka: { ok: false, detail: 'unavailable' },
      auth: { ok: false, detail: 'connection refused' },
      slow: { ok: false, detail: 'no answer within 50 ms' },
    });
  });
});
