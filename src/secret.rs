//! Secrets held in memory: passwords, client secrets, bearer tokens.
//!
//! [`Secret`] never shows its content through `Debug` or `Display`; the only way to read it is
//! [`Secret::expose`], which callers use at the moment a header or form body is built. The
//! [`MASK`] is what previews and dry runs print in its place.

use secrecy::{ExposeSecret, SecretString};

/// What every preview, log line and error prints instead of a secret.
pub const MASK: &str = "********";

/// A secret string that redacts itself everywhere except [`Secret::expose`].
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The secret itself, for building a request. Never log or print the result.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MASK)
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MASK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?} {secret}"), format!("{MASK} {MASK}"));
        assert_eq!(secret.expose(), "hunter2");
    }
}
