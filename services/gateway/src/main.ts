import { runService } from '@brainmesh/runtime';
import { gatewayService } from './gateway.service';

void runService(gatewayService);
