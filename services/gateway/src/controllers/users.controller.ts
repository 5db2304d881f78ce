import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import type { z } from '@brainmesh/config';
import { zodPipe } from '@brainmesh/runtime';
import { Authenticated, CurrentActor } from '../auth/auth.guard';
import type { Actor } from '../auth/authenticator';
import { CreateUserBody, IdParam, UpdateUserBody, userOut } from '../dtos/auth.dto';
import { AuthClientRepository } from '../repositories/auth-client.repository';

/** People of the caller's tenant and their roles. */
@Controller('v1/users')
@Authenticated()
export class UsersController {
  constructor(private readonly auth: AuthClientRepository) {}

  @Get()
  async list(@CurrentActor() actor: Actor) {
    return { data: (await this.auth.call('listUsers', { actor })).users.map(userOut) };
  }

  @Post()
  async create(
    @CurrentActor() actor: Actor,
    @Body(zodPipe(CreateUserBody)) body: z.output<typeof CreateUserBody>,
  ) {
    return userOut((await this.auth.call('createUser', { actor, ...body })).user!);
  }

  @Patch(':id')
  async update(
    @CurrentActor() actor: Actor,
    @Param('id', zodPipe(IdParam, 'id')) id: string,
    @Body(zodPipe(UpdateUserBody)) body: z.output<typeof UpdateUserBody>,
  ) {
    return userOut((await this.auth.call('updateUser', { actor, id, role: body.role })).user!);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentActor() actor: Actor, @Param('id', zodPipe(IdParam, 'id')) id: string): Promise<void> {
    await this.auth.call('deleteUser', { actor, id });
  }
}
