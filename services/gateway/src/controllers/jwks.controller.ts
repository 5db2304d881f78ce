import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation } from '@brainmesh/runtime';
import { JwksOut } from '../dtos/auth.dto';
import { AuthClientRepository } from '../repositories/auth-client.repository';

/** Public keys that verify brainmesh access tokens (RFC 7517). */
@Controller('.well-known')
export class JwksController {
  constructor(private readonly auth: AuthClientRepository) {}

  @Get('jwks.json')
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({
    summary: 'Public keys that verify access tokens (JWKS)',
    tags: ['auth'],
    responses: { 200: { description: 'JSON Web Key Set', schema: JwksOut } },
  })
  async jwks() {
    return { keys: (await this.auth.call('getJwks', {})).keys };
  }
}
