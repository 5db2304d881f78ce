/** A small client of the public gateway API, as any user's script would use it. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private token?: string,
  ) {}

  async login(email: string, password: string, tenant?: string): Promise<void> {
    const tokens = await this.request<{ access_token: string }>('POST', '/v1/auth/login', {
      email,
      password,
      ...(tenant ? { tenant } : {}),
    });
    this.token = tokens.access_token;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const problem = json as { detail?: string; errors?: { field: string; message: string }[] } | undefined;
      const fields = problem?.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
      throw new CliError(
        `${method} ${path} failed with ${res.status}: ${problem?.detail ?? text}${fields ? ` (${fields})` : ''}`,
      );
    }
    return json as T;
  }
}

/** An error whose message is all the user needs (no stack trace). */
export class CliError extends Error {}
