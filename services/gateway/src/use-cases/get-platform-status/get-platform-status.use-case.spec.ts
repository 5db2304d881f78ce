import { ServiceInfo } from '@brainmesh/runtime';
import type { DownstreamRepository } from '../../repositories/downstream.repository';
import { GetPlatformStatusUseCase } from './get-platform-status.use-case';

describe('GetPlatformStatusUseCase', () => {
  const self = new ServiceInfo('gateway', '1.2.3', false);

  it('reports every service up with its version and instance', async () => {
    const downstream = {
      serviceInfo: jest.fn(async (name: string) => ({
        service: name,
        version: '1.2.3',
        instanceId: `${name}-1`,
        startedAt: 't',
        embedded: false,
      })),
    } as unknown as DownstreamRepository;
    const result = await new GetPlatformStatusUseCase(downstream, self).execute();
    expect(result.status).toBe('ok');
    expect(result.services.map((s) => s.name)).toEqual([
      'gateway',
      'auth',
      'ai-routing',
      'knowledge',
      'orchestrator',
      'analytics',
    ]);
    expect(result.services[1]).toEqual({
      name: 'auth',
      status: 'up',
      version: '1.2.3',
      instance_id: 'auth-1',
      started_at: 't',
    });
  });

  it('is degraded and says why when a service does not answer', async () => {
    const downstream = {
      serviceInfo: jest.fn(async (name: string) => {
        if (name === 'knowledge') throw new Error('14 UNAVAILABLE: No connection established');
        return { service: name, version: '1', instanceId: 'i', startedAt: 't', embedded: false };
      }),
    } as unknown as DownstreamRepository;
    const result = await new GetPlatformStatusUseCase(downstream, self).execute();
    expect(result.status).toBe('degraded');
    expect(result.services.find((s) => s.name === 'knowledge')).toEqual({
      name: 'knowledge',
      status: 'down',
      detail: '14 UNAVAILABLE: No connection established',
    });
  });
});
