//! The `till` command's exit status: one number per error code, so scripts can branch on
//! what went wrong (ask for the password, create the vault, retry later) without parsing
//! the message.
//!
//! 0 is success, 1 a generic failure or a finding the command reports on purpose (a
//! tampered log, a key that is not live, a team policy broken, a broader key refused), 2
//! bad usage (clap's own status). Every [`ErrorCode`] gets its own number from 3 on; the
//! table below is printed by `till --help` and copied into the README.

use std::process::ExitCode;

use till_core::ErrorCode;

/// The exit status for a failure with `code`. Exhaustive on purpose: a new error code
/// does not compile until it has a status here and a line in [`HELP_TABLE`].
pub fn status_for(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::Internal => 1,
        ErrorCode::BadEnvironment => 3,
        ErrorCode::Storage => 4,
        ErrorCode::VaultMissing => 5,
        ErrorCode::VaultExists => 6,
        ErrorCode::WrongPassword => 7,
        ErrorCode::Throttled => 8,
        ErrorCode::PasswordRequired => 9,
        ErrorCode::Locked => 10,
        ErrorCode::KeyringUnavailable => 11,
        ErrorCode::NotFound => 12,
        ErrorCode::Conflict => 13,
        ErrorCode::InvalidInput => 14,
        ErrorCode::Corrupt => 15,
    }
}

/// The exit status for a failure with `code`, as the process returns it.
pub fn exit_code_for(code: ErrorCode) -> ExitCode {
    ExitCode::from(status_for(code))
}

/// The table `till --help` ends with (and the README repeats).
pub const HELP_TABLE: &str = "\
Exit status:
   0  success
   1  failure, or a finding the command reports (log tampered, key not live,
      team policy broken, only a broader key covers the scope, keys found by
      scan); internal error
   2  bad usage: unknown command or option, unusable team file, a path or
      repository scan cannot read
   3  bad_environment      TILL_HOME, TILL_NOW or another setting is unusable
   4  storage              a file or directory could not be read or written
   5  vault_missing        no vault yet: run `till init`
   6  vault_exists         a vault is already there
   7  wrong_password       the master (or backup) password is wrong
   8  throttled            too many failed unlocks: wait, then retry
   9  password_required    pass the master password with --password-stdin
  10  locked               the vault is locked
  11  keyring_unavailable  the OS keyring cannot be reached: use the password
  12  not_found            no key (or lesson, purpose…) by that name
  13  conflict             that name is taken
  14  invalid_input        the input was refused; the message says why
  15  corrupt              the vault is damaged or from a newer Till";

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [ErrorCode; 14] = [
        ErrorCode::BadEnvironment,
        ErrorCode::Storage,
        ErrorCode::VaultMissing,
        ErrorCode::VaultExists,
        ErrorCode::WrongPassword,
        ErrorCode::Throttled,
        ErrorCode::PasswordRequired,
        ErrorCode::KeyringUnavailable,
        ErrorCode::Locked,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::InvalidInput,
        ErrorCode::Corrupt,
        ErrorCode::Internal,
    ];

    #[test]
    fn every_code_but_internal_has_its_own_status_above_usage() {
        let mut seen = std::collections::HashSet::new();
        for code in ALL {
            let status = status_for(code);
            assert!(seen.insert(status), "{code:?} shares {status}");
            if code != ErrorCode::Internal {
                assert!(status >= 3, "{code:?} collides with 0, 1 or 2");
            }
        }
    }

    #[test]
    fn the_help_table_lists_every_code_with_its_status() {
        for code in ALL {
            let name = serde_json::to_value(code).expect("serializes");
            let name = name.as_str().expect("a string");
            if code == ErrorCode::Internal {
                assert!(HELP_TABLE.contains("internal error"));
                continue;
            }
            let line = format!("{:>4}  {name} ", status_for(code));
            assert!(HELP_TABLE.contains(&line), "missing: {line:?}");
        }
    }
}
