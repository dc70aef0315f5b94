-- Runs once, when the PostgreSQL volume is created: one database per process kind. (agent-mesh would
-- create them itself on first start; creating them here keeps the startup of four processes quiet.)
CREATE DATABASE agent_mesh_gateway;
CREATE DATABASE agent_mesh_assistant;
