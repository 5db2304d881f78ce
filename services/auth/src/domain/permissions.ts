// The permission matrix is shared by every service: it lives in @brainmesh/access-control.
export * from '@brainmesh/access-control';
