import { PROBLEM_TYPES, problem, statusTitle } from './index';

describe('problem', () => {
  it('uses about:blank with the status phrase as title by default', () => {
    expect(problem(404, 'No tenant t1.')).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'No tenant t1.',
    });
  });

  it('keeps a specific type, title and field errors', () => {
    const errors = [{ field: 'email', message: 'must be an email' }];
    expect(problem(400, 'Invalid.', { type: PROBLEM_TYPES.validation, errors })).toEqual({
      type: 'https://docs.brainmesh.dev/problems/validation',
      title: 'Bad Request',
      status: 400,
      detail: 'Invalid.',
      errors,
    });
  });

  it('has a title for every status the platform sends and a fallback', () => {
    for (const s of [400, 401, 402, 403, 404, 405, 409, 413, 415, 429, 499, 500, 501, 503, 504]) {
      expect(statusTitle(s)).not.toBe('Error');
    }
    expect(statusTitle(418)).toBe('Error');
  });
});
