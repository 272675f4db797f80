"""PostgreSQL as the system of record (issue 21): the store, the SQL translator, the schema."""
