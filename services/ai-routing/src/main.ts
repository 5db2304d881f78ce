import { runService } from '@brainmesh/runtime';
import { aiRoutingService } from './ai-routing.service';

void runService(aiRoutingService);
