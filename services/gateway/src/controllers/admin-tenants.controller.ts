import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import type { z } from '@brainmesh/config';
import { ApiOperation, zodPipe } from '@brainmesh/runtime';
import { Authenticated, CurrentActor } from '../auth/auth.guard';
import type { authV1 } from '@brainmesh/contracts';
import type { Actor } from '../auth/authenticator';
import { RequestCtx } from '../auth/request-context.decorator';
import {
  CreateTenantBody,
  IdParam,
  listOf,
  TenantCreatedOut,
  tenantOut,
  TenantOut,
  UpdateTenantBody,
} from '../dtos/auth.dto';
import { AuthClientRepository } from '../repositories/auth-client.repository';

/** Platform operators manage tenants (the auth service refuses everyone else). */
@Controller('v1/admin/tenants')
@Authenticated()
export class AdminTenantsController {
  constructor(private readonly auth: AuthClientRepository) {}

  @Get()
  @ApiOperation({
    summary: 'List tenants (platform operators)',
    tags: ['admin'],
    auth: true,
    responses: { 200: { description: 'The tenants', schema: listOf(TenantOut) } },
    errors: [403],
  })
  async list(@CurrentActor() actor: Actor) {
    return { data: (await this.auth.call('listTenants', { actor })).tenants.map(tenantOut) };
  }

  @Post()
  @ApiOperation({
    summary: 'Create a tenant with its owner (platform operators)',
    tags: ['admin'],
    auth: true,
    body: CreateTenantBody,
    responses: { 201: { description: 'Created', schema: TenantCreatedOut } },
    errors: [403, 409],
  })
  async create(
    @CurrentActor() actor: Actor,
    @Body(zodPipe(CreateTenantBody)) body: z.output<typeof CreateTenantBody>,
    @RequestCtx() context: authV1.RequestContext,
  ) {
    const created = await this.auth.call('createTenant', {
      actor,
      slug: body.slug,
      name: body.name,
      ownerEmail: body.owner_email,
      ownerPassword: body.owner_password,
      context,
    });
    return { ...tenantOut(created.tenant!), owner_user_id: created.ownerUserId };
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Rename, change plan, suspend or reactivate a tenant (platform operators)',
    tags: ['admin'],
    auth: true,
    params: { id: IdParam },
    body: UpdateTenantBody,
    responses: { 200: { description: 'Updated', schema: TenantOut } },
    errors: [403, 404],
  })
  async update(
    @CurrentActor() actor: Actor,
    @Param('id', zodPipe(IdParam, 'id')) id: string,
    @Body(zodPipe(UpdateTenantBody)) body: z.output<typeof UpdateTenantBody>,
    @RequestCtx() context: authV1.RequestContext,
  ) {
    const updated = await this.auth.call('updateTenant', {
      actor,
      id,
      status: body.status ?? '',
      name: body.name ?? '',
      plan: body.plan ?? '',
      context,
    });
    return tenantOut(updated.tenant!);
  }
}
