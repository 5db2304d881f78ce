import { Controller, Get } from '@nestjs/common';
import { GetPlatformStatusUseCase } from '../use-cases/get-platform-status/get-platform-status.use-case';

@Controller('v1/status')
export class StatusController {
  constructor(private readonly getPlatformStatus: GetPlatformStatusUseCase) {}

  @Get()
  status() {
    return this.getPlatformStatus.execute();
  }
}
