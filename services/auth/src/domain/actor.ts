// The Actor is shared by every service: it lives in @brainmesh/access-control.
export { ActorSchema, actorRef, type Actor } from '@brainmesh/access-control';
