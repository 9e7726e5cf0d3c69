//! Access tokens. A token reads `moat_<id>_<secret>`: the id finds its row, and only the
//! SHA-256 of the secret is stored, compared in constant time. The secret is 32 random bytes,
//! so a fast hash is enough: there is nothing to guess a dictionary from.

use crate::{Store, StoreError};
use sha2::{Digest, Sha256};
use sqlx::Row;
use subtle::ConstantTimeEq;

/// What a token allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Read pages and the API.
    Read,
    /// Read, and push snapshots.
    Push,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Push => "push",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "read" => Some(Scope::Read),
            "push" => Some(Scope::Push),
            _ => None,
        }
    }

    /// Whether a token of this scope may do what `needed` allows.
    pub fn allows(self, needed: Scope) -> bool {
        self >= needed
    }
}

/// A stored token, without its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    pub name: String,
    pub scope: Scope,
    pub created_at: i64,
}

fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Store {
    /// Creates a token and gives it: the only time its secret is seen.
    pub async fn create_token(&self, name: &str, scope: Scope) -> Result<String, StoreError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
        let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let taken: i64 = sqlx::query("SELECT COUNT(*) AS n FROM tokens WHERE name = $1")
            .bind(name)
            .fetch_one(self.pool())
            .await?
            .try_get("n")?;
        if taken > 0 {
            return Err(StoreError::TokenExists(name.to_string()));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO tokens (name, scope, secret_sha256, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id",
        )
        .bind(name)
        .bind(scope.as_str())
        .bind(digest(&secret))
        .bind(crate::now_ms())
        .fetch_one(self.pool())
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::TokenExists(name.to_string())
            }
            _ => StoreError::Db(e),
        })?
        .try_get("id")?;
        Ok(format!("moat_{id}_{secret}"))
    }

    /// The token a presented string is, if it is one.
    pub async fn verify_token(&self, presented: &str) -> Result<Option<TokenInfo>, StoreError> {
        let Some((id, secret)) = presented
            .strip_prefix("moat_")
            .and_then(|r| r.split_once('_'))
        else {
            return Ok(None);
        };
        let Ok(id) = id.parse::<i64>() else {
            return Ok(None);
        };
        let row =
            sqlx::query("SELECT name, scope, secret_sha256, created_at FROM tokens WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        let Some(row) = row else { return Ok(None) };
        let stored: String = row.try_get("secret_sha256")?;
        let given = digest(secret);
        if !bool::from(stored.as_bytes().ct_eq(given.as_bytes())) {
            return Ok(None);
        }
        let scope: String = row.try_get("scope")?;
        Ok(Scope::parse(&scope).map(|scope| TokenInfo {
            name: row.try_get("name").unwrap_or_default(),
            scope,
            created_at: row.try_get("created_at").unwrap_or_default(),
        }))
    }

    /// Every token, by name.
    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let rows = sqlx::query("SELECT name, scope, created_at FROM tokens ORDER BY name")
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let scope: String = r.try_get("scope")?;
            if let Some(scope) = Scope::parse(&scope) {
                out.push(TokenInfo {
                    name: r.try_get("name")?,
                    scope,
                    created_at: r.try_get("created_at")?,
                });
            }
        }
        Ok(out)
    }

    /// Whether any token exists (a server that binds beyond loopback needs one).
    pub async fn has_tokens(&self) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM tokens")
            .fetch_one(self.pool())
            .await?
            .try_get("n")?;
        Ok(n > 0)
    }

    /// Revokes a token by name.
    pub async fn revoke_token(&self, name: &str) -> Result<(), StoreError> {
        let r = sqlx::query("DELETE FROM tokens WHERE name = $1")
            .bind(name)
            .execute(self.pool())
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NoToken(name.to_string()));
        }
        Ok(())
    }
}
