-- Projects, the snapshots pushed to them (their input files and the documents of their
-- analysis), and access tokens. `{id}` is an auto-incremented 64-bit key and `{blob}` a byte
-- string in the database's own spelling; every other type is written the same in SQLite and
-- PostgreSQL. Times are milliseconds since the Unix epoch.
CREATE TABLE projects (
    id {id},
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE snapshots (
    id {id},
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    revision TEXT,
    pusher TEXT NOT NULL,
    input_format TEXT NOT NULL,
    moat_version TEXT NOT NULL,
    errors BIGINT NOT NULL,
    warnings BIGINT NOT NULL,
    infos BIGINT NOT NULL,
    suppressed BIGINT NOT NULL,
    ops_work BIGINT NOT NULL,
    ops_fail BIGINT NOT NULL,
    ops_unknown BIGINT NOT NULL,
    flows_allowed BIGINT NOT NULL,
    flows_denied BIGINT NOT NULL,
    flows_unknown BIGINT NOT NULL
);

CREATE INDEX snapshots_by_project ON snapshots (project_id, created_at);

CREATE TABLE snapshot_files (
    snapshot_id BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    content {blob} NOT NULL,
    PRIMARY KEY (snapshot_id, path)
);

CREATE TABLE snapshot_documents (
    snapshot_id BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, kind)
);

CREATE TABLE tokens (
    id {id},
    name TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL
)
