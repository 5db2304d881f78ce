// Shared by every service with a database: lives in @brainmesh/db.
export { isUniqueViolation } from '@brainmesh/db';
