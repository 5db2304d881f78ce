import {
  DataSourceOptionsError,
  validateDataSourceOptions,
  type CreateDataSourceOptions,
} from './data-source-options';
import { createDataSource } from './data-source';

const base: CreateDataSourceOptions = { service: 'auth', entities: [], migrations: [] };

describe('validateDataSourceOptions', () => {
  it('accepts a postgres url', () => {
    const v = validateDataSourceOptions({ ...base, url: 'postgres://u:p@h:5432/db', poolMax: 5 });
    expect(v.mode).toBe('postgres');
  });

  it('accepts postgresql:// too', () => {
    expect(validateDataSourceOptions({ ...base, url: 'postgresql://h/db' }).mode).toBe('postgres');
  });

  it('accepts an embedded data dir', () => {
    expect(validateDataSourceOptions({ ...base, dataDir: 'memory://' }).mode).toBe('embedded');
  });

  it.each([
    [{}, /exactly one of url .* and dataDir/],
    [{ url: 'postgres://h/db', dataDir: 'memory://' }, /exactly one of/],
    [{ url: 'mysql://h/db' }, /must start with postgres:\/\//],
    [{ url: 'postgres://h/db', poolMax: 0 }, /poolMax must be a positive integer/],
    [{ url: 'postgres://h/db', poolMax: 2.5 }, /poolMax must be a positive integer/],
    [{ dataDir: 'memory://', statementTimeoutMs: -1 }, /statementTimeoutMs must be a positive integer/],
    [{ service: ' ', dataDir: 'memory://' }, /service is required/],
  ])('rejects %j', (extra, message) => {
    expect(() => validateDataSourceOptions({ ...base, ...extra })).toThrow(DataSourceOptionsError);
    expect(() => validateDataSourceOptions({ ...base, ...extra })).toThrow(message);
  });

  it('never puts the url (with its password) in an error', () => {
    expect(() => validateDataSourceOptions({ ...base, url: 'mysql://u:s3cret@h/db' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
    );
  });
});

describe('createDataSource', () => {
  it('configures real Postgres with the pool size, application name and statement timeout', () => {
    const ds = createDataSource({
      ...base,
      url: 'postgres://u:p@h:5432/db',
      poolMax: 3,
      statementTimeoutMs: 5000,
    });
    expect(ds.options).toMatchObject({
      type: 'postgres',
      synchronize: false,
      migrationsRun: false,
      migrationsTransactionMode: 'each',
      applicationName: 'auth',
      extra: { max: 3, application_name: 'auth', statement_timeout: 5000 },
    });
  });
});
