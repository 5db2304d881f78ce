import { Controller, Get, Header } from '@nestjs/common';
import { AuthClientRepository } from '../repositories/auth-client.repository';

/** Public keys that verify brainmesh access tokens (RFC 7517). */
@Controller('.well-known')
export class JwksController {
  constructor(private readonly auth: AuthClientRepository) {}

  @Get('jwks.json')
  @Header('cache-control', 'public, max-age=300')
  async jwks() {
    return { keys: (await this.auth.call('getJwks', {})).keys };
  }
}
