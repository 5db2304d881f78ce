import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import type { z } from '@brainmesh/config';
import type { authV1 } from '@brainmesh/contracts';
import { ApiOperation, zodPipe } from '@brainmesh/runtime';
import { Authenticated, CurrentActor } from '../auth/auth.guard';
import {
  CreateRouteBody,
  routeIn,
  RouteOut,
  routeOut,
  UpdateRouteBody,
  updateRouteFields,
} from '../dtos/ai.dto';
import { IdParam, listOf } from '../dtos/auth.dto';
import { AiRoutingClientRepository } from '../repositories/ai-routing-client.repository';

/** Routes: the model names callers use, each mapped to deployments and a strategy. */
@Controller('v1/routes')
@Authenticated()
export class RoutesController {
  constructor(private readonly aiRouting: AiRoutingClientRepository) {}

  @Get()
  @ApiOperation({
    summary: 'List the routes visible to the caller',
    tags: ['routes'],
    auth: true,
    responses: { 200: { description: 'The routes, by model', schema: listOf(RouteOut) } },
    errors: [403],
  })
  async list(@CurrentActor() actor: authV1.Actor) {
    return { data: (await this.aiRouting.call('listRoutes', { actor })).routes.map(routeOut) };
  }

  @Post()
  @ApiOperation({
    summary: 'Create a route (a model name mapped to deployments)',
    tags: ['routes'],
    auth: true,
    body: CreateRouteBody,
    responses: { 201: { description: 'Created', schema: RouteOut } },
    errors: [403, 404, 409],
  })
  async create(
    @CurrentActor() actor: authV1.Actor,
    @Body(zodPipe(CreateRouteBody)) body: z.output<typeof CreateRouteBody>,
  ) {
    return routeOut((await this.aiRouting.call('createRoute', { actor, route: routeIn(body) })).route!);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Get a route',
    tags: ['routes'],
    auth: true,
    params: { id: IdParam },
    responses: { 200: { description: 'The route', schema: RouteOut } },
    errors: [403, 404],
  })
  async get(@CurrentActor() actor: authV1.Actor, @Param('id', zodPipe(IdParam, 'id')) id: string) {
    return routeOut((await this.aiRouting.call('getRoute', { actor, id })).route!);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a route (only the fields sent; `deployments` replaces all deployments)',
    tags: ['routes'],
    auth: true,
    params: { id: IdParam },
    body: UpdateRouteBody,
    responses: { 200: { description: 'The route', schema: RouteOut } },
    errors: [403, 404, 409],
  })
  async update(
    @CurrentActor() actor: authV1.Actor,
    @Param('id', zodPipe(IdParam, 'id')) id: string,
    @Body(zodPipe(UpdateRouteBody)) body: z.output<typeof UpdateRouteBody>,
  ) {
    return routeOut(
      (await this.aiRouting.call('updateRoute', { actor, id, ...updateRouteFields(body) })).route!,
    );
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a route',
    tags: ['routes'],
    auth: true,
    params: { id: IdParam },
    responses: { 204: { description: 'Deleted' } },
    errors: [403, 404],
  })
  async remove(
    @CurrentActor() actor: authV1.Actor,
    @Param('id', zodPipe(IdParam, 'id')) id: string,
  ): Promise<void> {
    await this.aiRouting.call('deleteRoute', { actor, id });
  }
}
