import { runService } from '@brainmesh/runtime';
import { authService } from './auth.service';

void runService(authService);
