import { runService } from '@brainmesh/runtime';
import { knowledgeService } from './knowledge.service';

void runService(knowledgeService);
