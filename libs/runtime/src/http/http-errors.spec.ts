import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { z } from 'zod';
import { loadConfig } from '@brainmesh/config';
import { baseServiceConfig } from '../service-config';
import { defineService } from '../service-definition';
import { ServiceHost } from '../service-host';

const EchoBody = z.object({ name: z.string().min(1), count: z.number().int().positive() });

@Controller('echo')
class EchoController {
  @Post()
  echo(@Body() body: unknown) {
    return EchoBody.parse(body);
  }

  @Get('boom')
  boom(): never {
    throw new Error('database password hunter2 rejected');
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

const schema = baseServiceConfig({ httpPort: 0, grpcPort: 0 });
const echoService = defineService({
  name: 'echo',
  version: 'test',
  configSchema: schema,
  module: EchoModule,
});

describe('HTTP errors are RFC 9457 problem+json, client errors are never 500', () => {
  let host: ServiceHost;
  let url: string;

  beforeAll(async () => {
    const config = loadConfig(schema, {
      HTTP_HOST: '127.0.0.1',
      GRPC_HOST: '127.0.0.1',
      HTTP_BODY_LIMIT_BYTES: '1024',
      CORS_ORIGINS: 'https://console.example.com',
      LOG_LEVEL: 'silent',
    });
    host = new ServiceHost(echoService, config);
    url = (await host.start()).httpUrl;
  });
  afterAll(() => host.stop());

  const post = (body: string, contentType = 'application/json') =>
    fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': contentType }, body });

  async function expectProblem(res: Response, status: number, type = 'about:blank') {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status, type, title: expect.any(String) });
    expect(body.request_id).toBe(res.headers.get('x-request-id'));
    return body;
  }

  it('accepts a valid body', async () => {
    const res = await post(JSON.stringify({ name: 'a', count: 1 }));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ name: 'a', count: 1 });
  });

  it('names the fields at fault', async () => {
    const body = await expectProblem(
      await post(JSON.stringify({ count: 'x' })),
      400,
      'https://docs.brainmesh.dev/problems/validation',
    );
    expect(body.errors).toEqual([
      { field: 'name', message: expect.any(String) },
      { field: 'count', message: expect.any(String) },
    ]);
  });

  it('rejects malformed JSON with 400', async () => {
    const body = await expectProblem(await post('{"name": '), 400);
    expect(String(body.detail)).toMatch(/JSON/i);
  });

  it('rejects a body over the limit with 413', async () => {
    await expectProblem(await post(JSON.stringify({ name: 'x'.repeat(5000), count: 1 })), 413);
  });

  it('rejects an unsupported content type with 415', async () => {
    await expectProblem(await post('name=a', 'application/x-www-form-urlencoded'), 415);
  });

  it('answers unknown routes with 404', async () => {
    const body = await expectProblem(await fetch(`${url}/nope`), 404);
    expect(body.detail).toBe('No route GET /nope.');
  });

  it('answers a known path with the wrong method 405 and the allowed methods', async () => {
    const res = await fetch(`${url}/echo`, { method: 'DELETE' });
    const body = await expectProblem(res, 405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(body.detail).toBe('DELETE is not allowed on /echo; use POST.');
  });

  it('sends security headers and CORS only for allowed origins', async () => {
    const res = await fetch(`${url}/nope`, { headers: { origin: 'https://console.example.com' } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
    expect(res.headers.get('access-control-expose-headers')).toContain('x-request-id');

    const other = await fetch(`${url}/nope`, { headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('hides unexpected errors behind a generic 500 with a correlation id', async () => {
    const res = await fetch(`${url}/echo/boom`, { headers: { 'x-request-id': 'corr-1' } });
    const body = await expectProblem(res, 500);
    expect(body.request_id).toBe('corr-1');
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });
});
