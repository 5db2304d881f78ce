import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { PipelineProbeEntity } from '../entities/pipeline-probe.entity';

@Injectable()
export class PipelineProbeRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, probe: PipelineProbeEntity): Promise<void> {
    await manager.insert(PipelineProbeEntity, probe);
  }

  findByEventId(tenantId: string, eventId: string): Promise<PipelineProbeEntity | null> {
    return this.dataSource.getRepository(PipelineProbeEntity).findOneBy({ tenantId, eventId });
  }

  countForTenant(tenantId: string): Promise<number> {
    return this.dataSource.getRepository(PipelineProbeEntity).countBy({ tenantId });
  }
}
