import { InfraEnvError, requireInfraEnv } from './infra-env';

const full = {
  BRAINMESH_PG_URL: 'postgres://u:p@127.0.0.1:55432/postgres',
  KAFKA_BROKERS: '127.0.0.1:59092, 127.0.0.1:59093',
  REDIS_URL: 'redis://127.0.0.1:56379',
};

describe('requireInfraEnv', () => {
  it('reads the variables and splits the broker list', () => {
    expect(requireInfraEnv(full)).toEqual({
      pgUrl: full.BRAINMESH_PG_URL,
      kafkaBrokers: ['127.0.0.1:59092', '127.0.0.1:59093'],
      redisUrl: full.REDIS_URL,
    });
  });

  it.each(Object.keys(full))('names %s and the infra command when it is missing', (name) => {
    const env = { ...full, [name]: '' };
    expect(() => requireInfraEnv(env)).toThrow(InfraEnvError);
    expect(() => requireInfraEnv(env)).toThrow(new RegExp(`${name} is not set.*npm run infra -- up`));
  });
});
