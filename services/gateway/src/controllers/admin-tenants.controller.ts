import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import type { z } from '@brainmesh/config';
import { zodPipe } from '@brainmesh/runtime';
import { Authenticated, CurrentActor } from '../auth/auth.guard';
import type { Actor } from '../auth/authenticator';
import { CreateTenantBody, IdParam, tenantOut, UpdateTenantBody } from '../dtos/auth.dto';
import { AuthClientRepository } from '../repositories/auth-client.repository';

/** Platform operators manage tenants (the auth service refuses everyone else). */
@Controller('v1/admin/tenants')
@Authenticated()
export class AdminTenantsController {
  constructor(private readonly auth: AuthClientRepository) {}

  @Get()
  async list(@CurrentActor() actor: Actor) {
    return { data: (await this.auth.call('listTenants', { actor })).tenants.map(tenantOut) };
  }

  @Post()
  async create(
    @CurrentActor() actor: Actor,
    @Body(zodPipe(CreateTenantBody)) body: z.output<typeof CreateTenantBody>,
  ) {
    const created = await this.auth.call('createTenant', {
      actor,
      slug: body.slug,
      name: body.name,
      ownerEmail: body.owner_email,
      ownerPassword: body.owner_password,
    });
    return { ...tenantOut(created.tenant!), owner_user_id: created.ownerUserId };
  }

  @Patch(':id')
  async update(
    @CurrentActor() actor: Actor,
    @Param('id', zodPipe(IdParam, 'id')) id: string,
    @Body(zodPipe(UpdateTenantBody)) body: z.output<typeof UpdateTenantBody>,
  ) {
    const updated = await this.auth.call('updateTenant', {
      actor,
      id,
      status: body.status ?? '',
      name: body.name ?? '',
      plan: body.plan ?? '',
    });
    return tenantOut(updated.tenant!);
  }
}
