//! The XDG autostart entry: a Desktop Entry file whose `Exec` line starts the desktop app.
//!
//! Paths go through the Desktop Entry spec's two layers of escaping: an argument with a
//! reserved character (a space, a quote, `$`…) is double-quoted with `"`, `` ` ``, `$` and
//! `\` backslash-escaped inside, `%` is doubled (field codes), and then the whole value,
//! being a string, has each backslash doubled again. [`parse_exec`] undoes both, so
//! `till autostart status` reads back exactly the path that was written.
#![cfg_attr(any(target_os = "macos", windows), allow(dead_code))]

use std::path::{Path, PathBuf};

use super::{Launch, HIDDEN_FLAG};
use crate::error::TillError;
use crate::paths::{write_private, PathEnv};

/// The entry's file name in the autostart directory.
const FILE_NAME: &str = "till.desktop";

/// Characters that make the spec require an argument to be quoted.
const RESERVED: &[char] = &[
    ' ', '\t', '\n', '"', '\'', '\\', '>', '<', '~', '|', '&', ';', '$', '*', '?', '#', '(', ')',
    '`',
];

/// `$XDG_CONFIG_HOME/autostart/till.desktop`, else `~/.config/autostart/till.desktop`.
pub(super) fn entry_path(env: &PathEnv) -> Result<PathBuf, TillError> {
    let config = match env.xdg_config_home.as_deref().filter(|p| p.is_absolute()) {
        Some(config) => config.to_owned(),
        None => env
            .home
            .as_deref()
            .ok_or(TillError::NoHomeDirectory)?
            .join(".config"),
    };
    Ok(config.join("autostart").join(FILE_NAME))
}

/// Writes the entry for `launch`.
pub(super) fn write(entry: &Path, launch: &Launch) -> Result<(), TillError> {
    let exec = exec_line(launch)?;
    let text = format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=Till\n\
         GenericName=API key manager\n\
         Comment=Till in the tray from login: keys sealed, narrow and rotated\n\
         Exec={exec}\n\
         Icon=till-desktop\n\
         Terminal=false\n\
         Categories=Utility;Security;\n\
         X-GNOME-Autostart-enabled=true\n"
    );
    super::ensure_parent(entry)?;
    write_private(entry, text.as_bytes())
}

/// What the entry starts; `None` when there is no entry.
pub(super) fn read(entry: &Path) -> Result<Option<Launch>, TillError> {
    let Some(text) = super::read_entry(entry)? else {
        return Ok(None);
    };
    text.lines()
        .find_map(|line| line.strip_prefix("Exec="))
        .and_then(parse_exec)
        .map(Some)
        .ok_or_else(|| TillError::InvalidInput {
            what: format!(
                "the autostart entry {} does not say what to start: \
                 run `till autostart enable` to rewrite it, or remove it",
                entry.display()
            ),
        })
}

/// Removes the entry.
pub(super) fn remove(entry: &Path) -> Result<bool, TillError> {
    super::remove_file(entry)
}

/// The `Exec` value (as written in the file) that starts `launch` to the tray.
pub fn exec_line(launch: &Launch) -> Result<String, TillError> {
    let mut args = Vec::new();
    if let Some(home) = &launch.till_home {
        args.push("env".to_owned());
        args.push(quote(&format!("TILL_HOME={}", text_of(home)?)));
    }
    args.push(quote(text_of(&launch.app)?));
    args.push(HIDDEN_FLAG.to_owned());
    Ok(args.join(" ").replace('\\', "\\\\"))
}

/// The launch an `Exec` value (as read from the file) describes; `None` if it is not one
/// of Till's (empty, unbalanced quotes, a relative program).
pub fn parse_exec(value: &str) -> Option<Launch> {
    let args = split_args(&unescape_string(value))?;
    let mut args = args.into_iter().peekable();
    let mut till_home = None;
    if args.peek().map(String::as_str) == Some("env") {
        args.next();
        while let Some(assignment) = args.next_if(|arg| arg.contains('=')) {
            if let Some(home) = assignment.strip_prefix("TILL_HOME=") {
                till_home = Some(PathBuf::from(home));
            }
        }
    }
    let app = PathBuf::from(args.next()?);
    app.is_absolute().then_some(Launch { app, till_home })
}

/// A path as UTF-8 text without a newline (which no `Exec` line can hold).
fn text_of(path: &Path) -> Result<&str, TillError> {
    path.to_str()
        .filter(|text| !text.contains(['\n', '\r']))
        .ok_or_else(|| TillError::InvalidInput {
            what: format!(
                "{} cannot go in an autostart entry (it is not UTF-8 or holds a line break): \
                 move Till to a plainer path",
                path.display()
            ),
        })
}

/// One argument, quoted if the spec requires it, with `%` doubled.
fn quote(arg: &str) -> String {
    let arg = arg.replace('%', "%%");
    if !arg.contains(RESERVED) {
        return arg;
    }
    let mut quoted = String::with_capacity(arg.len() + 2);
    quoted.push('"');
    for c in arg.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// Undoes the string-value escapes (`\\`, `\s`, `\n`, `\t`, `\r`).
fn unescape_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('s') => out.push(' '),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Splits the command line into arguments, undoing quoting and `%%`; `None` on an
/// unterminated quote.
fn split_args(line: &str) -> Option<Vec<String>> {
    let mut args = Vec::new();
    let mut current: Option<String> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if let Some(arg) = current.take() {
                    args.push(arg);
                }
            }
            '"' => {
                let arg = current.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => arg.push(chars.next()?),
                        '%' if chars.peek() == Some(&'%') => {
                            chars.next();
                            arg.push('%');
                        }
                        other => arg.push(other),
                    }
                }
            }
            '%' if chars.peek() == Some(&'%') => {
                chars.next();
                current.get_or_insert_with(String::new).push('%');
            }
            other => current.get_or_insert_with(String::new).push(other),
        }
    }
    args.extend(current);
    Some(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launch(app: &str, home: Option<&str>) -> Launch {
        Launch {
            app: app.into(),
            till_home: home.map(PathBuf::from),
        }
    }

    #[test]
    fn a_plain_path_is_written_as_is() {
        let line = exec_line(&launch("/usr/bin/till-desktop", None)).unwrap();
        assert_eq!(line, "/usr/bin/till-desktop --hidden");
    }

    #[test]
    fn spaces_are_quoted_as_the_spec_says() {
        let line = exec_line(&launch("/home/ada/My Apps/till-desktop", None)).unwrap();
        assert_eq!(line, "\"/home/ada/My Apps/till-desktop\" --hidden");
    }

    #[test]
    fn quotes_dollars_backslashes_and_percents_are_escaped_in_both_layers() {
        // `\$` inside the quotes, then the backslash doubled for the string value.
        let line = exec_line(&launch("/opt/a$b/100%/x\\y/till-desktop", None)).unwrap();
        assert_eq!(line, r#""/opt/a\\$b/100%%/x\\\\y/till-desktop" --hidden"#);
    }

    #[test]
    fn every_awkward_path_reads_back_unchanged() {
        for app in [
            "/usr/bin/till-desktop",
            "/home/ada/My Apps/till-desktop",
            "/tmp/it's \"quoted\"/till-desktop",
            "/opt/a$b`c`/100%/x\\y/(1) #2 ~/till-desktop",
            "/tmp/tab\there/till-desktop",
        ] {
            for home in [None, Some("/home/ada/Till Vault")] {
                let written = launch(app, home);
                let line = exec_line(&written).unwrap();
                assert_eq!(parse_exec(&line), Some(written), "{line}");
            }
        }
    }

    #[test]
    fn a_portable_vault_is_passed_through_env() {
        let line = exec_line(&launch("/opt/till/till-desktop", Some("/data/till"))).unwrap();
        assert_eq!(
            line,
            "env TILL_HOME=/data/till /opt/till/till-desktop --hidden"
        );
    }

    #[test]
    fn a_line_break_in_the_path_is_refused() {
        let error = exec_line(&launch("/tmp/a\nb/till-desktop", None)).unwrap_err();
        assert_eq!(error.code(), crate::ErrorCode::InvalidInput);
    }

    #[test]
    fn foreign_or_broken_exec_lines_are_not_launches() {
        assert_eq!(parse_exec(""), None);
        assert_eq!(parse_exec("\"/unterminated"), None);
        assert_eq!(parse_exec("till-desktop --hidden"), None);
    }
}
