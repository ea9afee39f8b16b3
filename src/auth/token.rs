//! Random tokens handed to a browser (a session, a link, a sign-in under way): kept only as
//! their hash, and compared in constant time.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// 32 random bytes, as 64 hexadecimal digits.
pub fn random() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What is kept of a token: its SHA-256.
pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Whether two secrets are equal, in a time that tells nothing of where they differ.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_compared_in_full() {
        let a = random();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random());
        assert!(same(a.as_bytes(), a.as_bytes()));
        assert!(!same(a.as_bytes(), &a.as_bytes()[..63]));
        assert!(!same(b"", b"x"));
        assert_eq!(hash(&a).len(), 32);
    }
}
