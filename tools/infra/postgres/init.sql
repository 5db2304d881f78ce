-- docker-compose init for the pgvector/pgvector:pg16 container (run once, on an empty data volume, by psql).
-- Mirrors what `node tools/infra/infra.mjs up` does: one database per service, pgvector created in each.
CREATE DATABASE brainmesh_auth;
CREATE DATABASE brainmesh_orchestrator;
CREATE DATABASE brainmesh_knowledge;
CREATE DATABASE brainmesh_ai_routing;
CREATE DATABASE brainmesh_analytics;

\connect brainmesh_auth
CREATE EXTENSION IF NOT EXISTS vector;
\connect brainmesh_orchestrator
CREATE EXTENSION IF NOT EXISTS vector;
\connect brainmesh_knowledge
CREATE EXTENSION IF NOT EXISTS vector;
\connect brainmesh_ai_routing
CREATE EXTENSION IF NOT EXISTS vector;
\connect brainmesh_analytics
CREATE EXTENSION IF NOT EXISTS vector;
