//! Password authentication in the simulated Crowd directory, with the rules and bookkeeping of
//! Crowd's internal directory.
//!
//! Facts (Crowd's `AbstractInternalDirectory.authenticate` and `AuthenticationResource` source,
//! and the exception mappers, all 400): an unknown user is 400 `USER_NOT_FOUND` (the resource
//! catches it; elsewhere it is 404); an inactive user is refused before the password is looked
//! at (`INACTIVE_ACCOUNT`); a wrong password adds one to `invalidPasswordAttempts` and is
//! `INVALID_USER_AUTHENTICATION` ("Failed to authenticate principal, password was invalid"); a
//! right one sets `invalidPasswordAttempts` to 0 and `lastAuthenticated` to now, and is then
//! refused as `EXPIRED_CREDENTIAL` if `requiresPasswordChange` is true (Crowd's message, typo
//! included). A maximum of invalid attempts is a directory setting the simulator does not have.
//! The inactive-account message is UNCONFIRMED.

use super::{CrowdStore, Refusal, User, now_ms};

impl CrowdStore {
    /// `POST /authentication?username=U` with `{"value": password}`: the user, or why not.
    pub fn authenticate(&mut self, name: &str, password: &str) -> Result<&User, Refusal> {
        let user = self
            .user_mut(name)
            .map_err(|refusal| refusal.as_bad_request())?;
        if !user.active {
            return Err(Refusal::bad(
                "INACTIVE_ACCOUNT",
                format!("Account with name <{}> is inactive", user.name),
            ));
        }
        let attempts = user
            .attributes
            .get("invalidPasswordAttempts")
            .and_then(|values| values.first())
            .and_then(|value| value.parse::<u64>().ok())
            .unwrap_or(0);
        if user.password.as_deref() != Some(password) {
            user.attributes.insert(
                "invalidPasswordAttempts".to_owned(),
                vec![(attempts + 1).to_string()],
            );
            return Err(Refusal::bad(
                "INVALID_USER_AUTHENTICATION",
                "Failed to authenticate principal, password was invalid",
            ));
        }
        user.attributes
            .insert("invalidPasswordAttempts".to_owned(), vec!["0".to_owned()]);
        user.attributes
            .insert("lastAuthenticated".to_owned(), vec![now_ms().to_string()]);
        let expired = user
            .attributes
            .get("requiresPasswordChange")
            .is_some_and(|values| values.iter().any(|v| v.eq_ignore_ascii_case("true")));
        if expired {
            return Err(Refusal::bad(
                "EXPIRED_CREDENTIAL",
                "Attempting to log in with expired passsword.",
            ));
        }
        self.user(name)
    }
}

#[cfg(test)]
mod tests {
    use super::super::SEEDED_PASSWORD;
    use super::*;
    use crate::simulator::seed::Seed;

    fn store() -> CrowdStore {
        CrowdStore::from_seed(&Seed::demo(0).expect("seed")).expect("store")
    }

    fn attribute(store: &CrowdStore, user: &str, name: &str) -> String {
        store.user(user).expect("user").attributes[name][0].clone()
    }

    #[test]
    fn the_right_password_authenticates_and_resets_the_attempts() {
        let mut s = store();
        let name = s
            .users
            .values()
            .find(|u| u.active && u.attributes["requiresPasswordChange"] == ["false"])
            .expect("an active user")
            .name
            .clone();
        let refused = s
            .authenticate(&name, "wrong")
            .map(|_| ())
            .map_err(|r| (r.status, r.reason));
        assert_eq!(refused, Err((400, "INVALID_USER_AUTHENTICATION")));
        let after_failure: u64 = attribute(&s, &name, "invalidPasswordAttempts")
            .parse()
            .expect("number");
        assert!(after_failure >= 1);
        let user = s
            .authenticate(&name.to_uppercase(), SEEDED_PASSWORD)
            .expect("authenticated");
        assert_eq!(user.name, name);
        assert_eq!(attribute(&s, &name, "invalidPasswordAttempts"), "0");
    }

    #[test]
    fn unknown_inactive_and_expired_users_are_refused_with_400() {
        let mut s = store();
        let reason = |s: &mut CrowdStore, name: &str, password: &str| {
            s.authenticate(name, password)
                .map(|_| ())
                .map_err(|r| (r.status, r.reason))
        };
        assert_eq!(reason(&mut s, "nobody", "x"), Err((400, "USER_NOT_FOUND")));
        assert_eq!(
            reason(&mut s, "jwhitcombe", SEEDED_PASSWORD),
            Err((400, "INACTIVE_ACCOUNT"))
        );
        s.store_attributes(
            "praman",
            vec![("requiresPasswordChange".to_owned(), vec!["true".to_owned()])],
        )
        .expect("stored");
        assert_eq!(
            reason(&mut s, "praman", SEEDED_PASSWORD),
            Err((400, "EXPIRED_CREDENTIAL"))
        );
        s.set_password("praman", "n3w").expect("changed");
        assert_eq!(
            reason(&mut s, "praman", SEEDED_PASSWORD),
            Err((400, "INVALID_USER_AUTHENTICATION"))
        );
        assert!(s.authenticate("praman", "n3w").is_ok());
    }
}
