import { Injectable } from '@nestjs/common';
import { diagnosticsV1 } from '@brainmesh/contracts';
import { unary } from '../grpc-unary';
import type { GrpcHandler } from '../service-definition';
import { EmitPipelineProbeUseCase } from './emit-pipeline-probe.use-case';

export const DiagnosticsServiceDefinition = diagnosticsV1.DiagnosticsServiceService;

/** brainmesh.diagnostics.v1.DiagnosticsService, served by every service that owns a database. */
@Injectable()
export class DiagnosticsGrpcHandler implements GrpcHandler {
  constructor(private readonly emitProbe: EmitPipelineProbeUseCase) {}

  readonly implementation: diagnosticsV1.DiagnosticsServiceServer = {
    emitPipelineProbe: unary((req) => this.emitProbe.execute({ tenantId: req.tenantId, note: req.note })),
  };
}
