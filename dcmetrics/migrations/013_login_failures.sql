-- Failed logins counted the same way whether the name typed has an account or not, so that the
-- lock (and its message) tells nobody which names exist (dcmetrics.access.authenticate).
--
-- accounts.last_failed_at: when the last failure counted; a failure older than the lock length
-- no longer counts (the same rule that bounds login_failures below).
--
-- login_failures: the names typed that have no account, each kept only as an argon2 key of the
-- normalised name with this database's salt (meta «login_name_salt»), never the name itself (users
-- type their password into the name box): testing a guess against it costs what testing one
-- against a password hash does. A row lives only while its failures still count (at most the lock
-- length after the last one): every failed login deletes the rows past that, so random names
-- sprayed at the form leave at most the last LOCK_MINUTES' worth of rows, each of which cost the
-- sprayer one argon2 computation on the server.
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS last_failed_at TIMESTAMP;
CREATE TABLE login_failures (
    name_key       VARCHAR PRIMARY KEY,
    failed_count   INTEGER NOT NULL,
    last_failed_at TIMESTAMP NOT NULL,
    locked_until   TIMESTAMP
);
-- a salt per database (not secret: it only keeps one database's keys useless for another's)
INSERT INTO meta VALUES ('login_name_salt', md5(gen_random_uuid()::VARCHAR) || md5(gen_random_uuid()::VARCHAR));
