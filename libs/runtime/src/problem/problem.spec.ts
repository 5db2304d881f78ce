import { BadRequestException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { z } from 'zod';
import { ProblemException, problem, toProblem, validationProblem } from './problem';

describe('toProblem', () => {
  it('keeps problem exceptions as they are', () => {
    const p = problem(402, 'Budget "monthly" is exhausted.');
    expect(toProblem(new ProblemException(p))).toEqual({ problem: p, unexpected: false });
  });

  it('names every field at fault for schema errors', () => {
    const result = z
      .object({ name: z.string(), scopes: z.array(z.enum(['chat'])) })
      .safeParse({ scopes: ['x'] });
    const { problem: p, unexpected } = toProblem(result.error);
    expect(unexpected).toBe(false);
    expect(p.status).toBe(400);
    expect(p.type).toBe('https://docs.brainmesh.dev/problems/validation');
    expect(p.errors?.map((e) => e.field)).toEqual(['name', 'scopes.0']);
    expect(p.detail).toBe('The request is invalid: name, scopes.0.');
  });

  it('maps Nest HTTP exceptions and unknown routes', () => {
    expect(toProblem(new BadRequestException('limit must be positive')).problem).toMatchObject({
      status: 400,
      title: 'Bad Request',
      detail: 'limit must be positive',
    });
    expect(toProblem(new NotFoundException('Cannot GET /v1/nope')).problem.detail).toBe(
      'No route GET /v1/nope.',
    );
    expect(toProblem(new PayloadTooLargeException()).problem.status).toBe(413);
  });

  it('maps body parser errors to client errors, never 500', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    expect(toProblem(tooLarge).problem).toMatchObject({
      status: 413,
      detail: 'The request body is larger than the limit.',
    });
    const badJson = Object.assign(new SyntaxError('Unexpected token } in JSON at position 9'), {
      statusCode: 400,
    });
    expect(toProblem(badJson)).toMatchObject({ problem: { status: 400 }, unexpected: false });
  });

  it('hides unexpected errors behind a generic 500', () => {
    const { problem: p, unexpected } = toProblem(
      new Error('connection string postgres://u:secret@db leaked'),
    );
    expect(unexpected).toBe(true);
    expect(p.status).toBe(500);
    expect(p.detail).not.toContain('secret');
  });

  it('builds validation problems from field lists', () => {
    expect(validationProblem([{ field: 'email', message: 'must be an email' }]).problem.errors).toEqual([
      { field: 'email', message: 'must be an email' },
    ]);
  });
});
