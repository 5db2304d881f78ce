import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import type { z } from '@brainmesh/config';
import { ApiOperation, zodPipe } from '@brainmesh/runtime';
import { Authenticated, CurrentActor } from '../auth/auth.guard';
import type { authV1 } from '@brainmesh/contracts';
import type { Actor } from '../auth/authenticator';
import { RequestCtx } from '../auth/request-context.decorator';
import { CreateUserBody, IdParam, listOf, UpdateUserBody, userOut, UserOut } from '../dtos/auth.dto';
import { AuthClientRepository } from '../repositories/auth-client.repository';

/** People of the caller's tenant and their roles. */
@Controller('v1/users')
@Authenticated()
export class UsersController {
  constructor(private readonly auth: AuthClientRepository) {}

  @Get()
  @ApiOperation({
    summary: "List the tenant's users",
    tags: ['users'],
    auth: true,
    responses: { 200: { description: 'The users', schema: listOf(UserOut) } },
    errors: [403],
  })
  async list(@CurrentActor() actor: Actor) {
    return { data: (await this.auth.call('listUsers', { actor })).users.map(userOut) };
  }

  @Post()
  @ApiOperation({
    summary: 'Add a user to the tenant',
    tags: ['users'],
    auth: true,
    body: CreateUserBody,
    responses: { 201: { description: 'Created', schema: UserOut } },
    errors: [403, 409],
  })
  async create(
    @CurrentActor() actor: Actor,
    @Body(zodPipe(CreateUserBody)) body: z.output<typeof CreateUserBody>,
    @RequestCtx() context: authV1.RequestContext,
  ) {
    return userOut((await this.auth.call('createUser', { actor, ...body, context })).user!);
  }

  @Patch(':id')
  @ApiOperation({
    summary: "Change a user's role (the last owner cannot be demoted)",
    tags: ['users'],
    auth: true,
    params: { id: IdParam },
    body: UpdateUserBody,
    responses: { 200: { description: 'Updated', schema: UserOut } },
    errors: [403, 404, 409],
  })
  async update(
    @CurrentActor() actor: Actor,
    @Param('id', zodPipe(IdParam, 'id')) id: string,
    @Body(zodPipe(UpdateUserBody)) body: z.output<typeof UpdateUserBody>,
    @RequestCtx() context: authV1.RequestContext,
  ) {
    return userOut((await this.auth.call('updateUser', { actor, id, role: body.role, context })).user!);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove a user (not the last owner)',
    tags: ['users'],
    auth: true,
    params: { id: IdParam },
    responses: { 204: { description: 'Removed' } },
    errors: [403, 404, 409],
  })
  async remove(
    @CurrentActor() actor: Actor,
    @Param('id', zodPipe(IdParam, 'id')) id: string,
    @RequestCtx() context: authV1.RequestContext,
  ): Promise<void> {
    await this.auth.call('deleteUser', { actor, id, context });
  }
}
