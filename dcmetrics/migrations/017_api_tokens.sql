-- API tokens (issue 20): an administrator issues a token to an account; the token reads exactly
-- what that account may read. Only the SHA-256 of the secret is kept (the secret is 32 random
-- bytes, shown once); `prefix` is the secret's first characters, to tell tokens apart in lists
-- and logs. A token is refused once expired, revoked, or when its account is inactive.
CREATE SEQUENCE IF NOT EXISTS api_token_ids START 1;
CREATE TABLE IF NOT EXISTS api_tokens (
    id            BIGINT PRIMARY KEY DEFAULT nextval('api_token_ids'),
    username      VARCHAR NOT NULL,          -- the account the token acts as
    name          VARCHAR NOT NULL,          -- what it is for («Cổng thông tin tỉnh»)
    hash          VARCHAR NOT NULL UNIQUE CHECK (length(hash) = 64),
    prefix        VARCHAR NOT NULL,
    created_by    VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    revoked_at    TIMESTAMP,
    revoked_by    VARCHAR,
    last_used_at  TIMESTAMP
);
