//! Secrets at rest, sealed: what would let someone who reads the database act as another
//! person or as Digikoord (second-factor secrets, identity providers' client secrets, the
//! set-password links waiting in the outbox) is kept encrypted with a key that lives outside
//! the database (`SECRETS_KEY`). XChaCha20-Poly1305 (RustCrypto's `chacha20poly1305`), a
//! fresh random nonce per value, and the value's purpose as associated data, so a sealed
//! value can't be moved to another column and opened there.
//!
//! A sealed value reads `sealed:v1:<key id>:<hex of nonce and ciphertext>`. The key id (the
//! first 8 hex digits of the key's SHA-256) says which key opens it, so keys can be rotated
//! (`digikoord secrets rotate`): the server opens values sealed with `SECRETS_KEY_OLD` too.
//! Values kept before sealing (no prefix) are sealed at the next start (`seal_stored`).

use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};
use rand::RngCore;
use sha2::{Digest, Sha256};

const PREFIX: &str = "sealed:v1:";

/// What a sealed value is for; bound into it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A second factor's TOTP secret (and one being set up).
    Totp,
    /// An identity provider's client secret.
    ClientSecret,
    /// A set-password link waiting in the outbox.
    MailLink,
}

impl Purpose {
    fn aad(self) -> &'static [u8] {
        match self {
            Purpose::Totp => b"digikoord totp",
            Purpose::ClientSecret => b"digikoord oidc client secret",
            Purpose::MailLink => b"digikoord mail link",
        }
    }
}

/// A 256-bit key and its id.
#[derive(Clone)]
struct Key {
    bytes: [u8; 32],
    id: String,
}

impl Key {
    fn from_hex(hex_key: &str) -> Result<Key, String> {
        let decoded = hex::decode(hex_key.trim())
            .map_err(|_| "must be 64 hexadecimal digits (32 bytes)".to_string())?;
        let bytes: [u8; 32] = decoded
            .try_into()
            .map_err(|_| "must be 64 hexadecimal digits (32 bytes)".to_string())?;
        if bytes.iter().all(|b| *b == bytes[0]) {
            return Err("is not a random key (every byte is the same)".into());
        }
        Ok(Key {
            id: hex::encode(&Sha256::digest(bytes)[..4]),
            bytes,
        })
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.bytes.into())
    }
}

/// Seals and opens secrets: with the current key, and opens with the previous one too.
#[derive(Clone)]
pub struct Sealer {
    key: Key,
    old: Option<Key>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("key_id", &self.key.id)
            .field("old_key_id", &self.old.as_ref().map(|k| &k.id))
            .finish()
    }
}

/// A sealed value that can't be opened: sealed with a key the server doesn't have, or
/// changed since.
#[derive(Debug, PartialEq, Eq)]
pub struct CannotOpen(pub String);

impl std::fmt::Display for CannotOpen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a sealed secret could not be opened: {}", self.0)
    }
}

impl Sealer {
    /// The sealer of `SECRETS_KEY` (and `SECRETS_KEY_OLD`, during a rotation).
    pub fn new(key_hex: &str, old_hex: Option<&str>) -> Result<Sealer, String> {
        Ok(Sealer {
            key: Key::from_hex(key_hex).map_err(|e| format!("SECRETS_KEY {e}"))?,
            old: old_hex
                .map(Key::from_hex)
                .transpose()
                .map_err(|e| format!("SECRETS_KEY_OLD {e}"))?,
        })
    }

    /// A new random key, as `SECRETS_KEY` takes it.
    pub fn new_key() -> String {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        hex::encode(bytes)
    }

    pub fn key_id(&self) -> &str {
        &self.key.id
    }

    pub fn seal(&self, purpose: Purpose, plain: &str) -> String {
        let mut nonce = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = self
            .key
            .cipher()
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: purpose.aad(),
                },
            )
            // Encrypting into memory fails only past 256 GiB.
            .unwrap_or_default();
        let mut out = Vec::with_capacity(24 + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}:{}", self.key.id, hex::encode(out))
    }

    /// Whether `stored` is sealed (by any key).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }

    /// Whether `stored` is sealed with the current key.
    pub fn is_current(&self, stored: &str) -> bool {
        stored
            .strip_prefix(PREFIX)
            .is_some_and(|rest| rest.starts_with(&format!("{}:", self.key.id)))
    }

    /// The secret; a value kept before sealing (no prefix) is returned as it is, to be
    /// sealed at the next start.
    pub fn open(&self, purpose: Purpose, stored: &str) -> Result<String, CannotOpen> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let (id, data) = rest
            .split_once(':')
            .ok_or_else(|| CannotOpen("not a sealed value".into()))?;
        let key = [Some(&self.key), self.old.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.id == id)
            .ok_or_else(|| {
                CannotOpen(format!(
                    "sealed with the key {id}, not with SECRETS_KEY ({}) nor SECRETS_KEY_OLD",
                    self.key.id
                ))
            })?;
        let data = hex::decode(data).map_err(|_| CannotOpen("not hexadecimal".into()))?;
        if data.len() < 24 {
            return Err(CannotOpen("too short".into()));
        }
        let (nonce, sealed) = data.split_at(24);
        let nonce: [u8; 24] = nonce
            .try_into()
            .map_err(|_| CannotOpen("too short".into()))?;
        let plain = key
            .cipher()
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: purpose.aad(),
                },
            )
            .map_err(|_| CannotOpen("changed, or sealed for another purpose".into()))?;
        String::from_utf8(plain).map_err(|_| CannotOpen("not text".into()))
    }

    /// The value sealed with the current key: opened (with either key) and sealed again.
    pub fn reseal(&self, purpose: Purpose, stored: &str) -> Result<String, CannotOpen> {
        Ok(self.seal(purpose, &self.open(purpose, stored)?))
    }

    /// A key for signing (HMAC) what Digikoord hands out and reads back, such as the
    /// device cookie: derived from `SECRETS_KEY`, never the key itself.
    pub fn signing_key(&self, what: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(b"digikoord signing key:");
        hasher.update(what.as_bytes());
        hasher.update(self.key.bytes);
        hasher.finalize().into()
    }
}

/// The key the private cluster's data is sealed with: `dir/secrets.key`, made on first
/// use, readable by this user only. (With `DATABASE_URL`, `SECRETS_KEY` is required.)
pub fn private_key(dir: &std::path::Path) -> Result<Sealer, String> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let file = dir.join("secrets.key");
    if !file.exists() {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&file)
            .and_then(|mut f| f.write_all(Sealer::new_key().as_bytes()))
            .map_err(|e| format!("writing {}: {e}", file.display()))?;
    }
    let key =
        std::fs::read_to_string(&file).map_err(|e| format!("reading {}: {e}", file.display()))?;
    Sealer::new(&key, None).map_err(|e| format!("{}: {e}", file.display()))
}

/// Every stored secret not sealed with the current key, sealed with it now, in one
/// transaction: values kept before sealing existed, and values sealed with the old key.
/// Returns how many were sealed.
pub async fn seal_stored(db: &sqlx::PgPool, sealer: &Sealer) -> Result<usize, String> {
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    let mut changed = 0;
    for (table, key, column, purpose) in STORED {
        let rows: Vec<(String, String)> = sqlx::query_as(&format!(
            "SELECT {key}::text, {column} FROM {table} WHERE {column} IS NOT NULL FOR UPDATE"
        ))
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| format!("{table}.{column}: {e}"))?;
        for (id, stored) in rows {
            if sealer.is_current(&stored) {
                continue;
            }
            let sealed = sealer
                .reseal(*purpose, &stored)
                .map_err(|e| format!("{table}.{column} ({id}): {e}"))?;
            sqlx::query(&format!(
                "UPDATE {table} SET {column} = $2 WHERE {key}::text = $1"
            ))
            .bind(&id)
            .bind(&sealed)
            .execute(&mut *tx)
            .await
            .map_err(|e| format!("{table}.{column}: {e}"))?;
            changed += 1;
        }
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(changed)
}

/// Where sealed secrets are kept: table, its key, column, purpose.
const STORED: &[(&str, &str, &str, Purpose)] = &[
    ("second_factors", "user_id", "totp_secret", Purpose::Totp),
    ("sessions", "id_hash", "totp_setup_secret", Purpose::Totp),
    (
        "identity_providers",
        "id",
        "client_secret",
        Purpose::ClientSecret,
    ),
    ("outbox", "id", "sealed_text", Purpose::MailLink),
    ("outbox", "id", "sealed_html", Purpose::MailLink),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        Sealer::new(&"0123456789abcdef".repeat(4), None).expect("key")
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_for_its_purpose() {
        let sealer = sealer();
        let sealed = sealer.seal(Purpose::Totp, "JBSWY3DPEHPK3PXP");
        assert!(Sealer::is_sealed(&sealed) && sealer.is_current(&sealed));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(
            sealed,
            sealer.seal(Purpose::Totp, "JBSWY3DPEHPK3PXP"),
            "a fresh nonce"
        );
        assert_eq!(
            sealer.open(Purpose::Totp, &sealed).as_deref(),
            Ok("JBSWY3DPEHPK3PXP")
        );
        assert!(sealer.open(Purpose::ClientSecret, &sealed).is_err());
        let mut changed = sealed.clone();
        let last = changed.pop().expect("a digit");
        changed.push(if last == '0' { '1' } else { '0' });
        assert!(sealer.open(Purpose::Totp, &changed).is_err());
        let other = Sealer::new(&"fedcba9876543210".repeat(4), None).expect("key");
        assert!(other.open(Purpose::Totp, &sealed).is_err());
        // A value kept before sealing is read as it is.
        assert_eq!(
            sealer.open(Purpose::Totp, "JBSWY3DPEHPK3PXP").as_deref(),
            Ok("JBSWY3DPEHPK3PXP")
        );
    }

    #[test]
    fn a_rotated_key_opens_what_the_old_one_sealed_and_seals_anew() {
        let old = sealer();
        let sealed = old.seal(Purpose::ClientSecret, "hemligt");
        let new_key = Sealer::new_key();
        let rotating = Sealer::new(&new_key, Some(&"0123456789abcdef".repeat(4))).expect("keys");
        assert!(!rotating.is_current(&sealed));
        let resealed = rotating
            .reseal(Purpose::ClientSecret, &sealed)
            .expect("opened");
        assert!(rotating.is_current(&resealed));
        let after = Sealer::new(&new_key, None).expect("key");
        assert_eq!(
            after.open(Purpose::ClientSecret, &resealed).as_deref(),
            Ok("hemligt")
        );
        assert!(after.open(Purpose::ClientSecret, &sealed).is_err());
    }

    #[test]
    fn a_key_must_be_32_random_bytes_in_hex_and_is_never_printed() {
        assert!(Sealer::new("abc", None).is_err());
        assert!(Sealer::new(&"00".repeat(32), None).is_err());
        assert!(Sealer::new(&"0123456789abcdef".repeat(4), Some("nej")).is_err());
        let printed = format!("{:?}", sealer());
        assert!(!printed.contains("0123456789abcdef"), "{printed}");
        assert_eq!(Sealer::new_key().len(), 64);
    }
}
