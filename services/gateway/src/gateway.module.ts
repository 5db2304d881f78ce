import { Module } from '@nestjs/common';
import { StatusController } from './controllers/status.controller';
import { DownstreamReadiness } from './downstream-readiness';
import { DownstreamRepository } from './repositories/downstream.repository';
import { GetPlatformStatusUseCase } from './use-cases/get-platform-status/get-platform-status.use-case';

@Module({
  controllers: [StatusController],
  providers: [DownstreamRepository, DownstreamReadiness, GetPlatformStatusUseCase],
})
export class GatewayModule {}
