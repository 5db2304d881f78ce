import { runService } from '@brainmesh/runtime';
import { analyticsService } from './analytics.service';

void runService(analyticsService);
