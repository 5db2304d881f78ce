import { runService } from '@brainmesh/runtime';
import { orchestratorService } from './orchestrator.service';

void runService(orchestratorService);
