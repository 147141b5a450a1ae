//! What the watched folders hold now: the findings of the last rescans, which of them
//! are news, and which the user dismissed.
//!
//! A rescan replaces the findings in the part of the disk it covered ([`Reach`]). A
//! vault key found at a (key, file, line) not seen before is returned once, to be
//! announced; rescans that find it again say nothing, and it is news again only after it
//! left that line. What was announced is kept as salted hashes, so locking the vault can
//! drop every name and path ([`Board::clear`]) without the next unlock announcing the same
//! leaks again. A dismissed finding stays hidden until its file changes (size or
//! modification time). Nothing here holds a value: findings carry redacted fingerprints.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;
use till_scan::{Finding, Kind};
use ts_rs::TS;

use super::debounce::Reach;
use crate::catalog;
use crate::settings::scan::shorten;

/// A file as it was when a finding in it was dismissed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    fn of(path: &Path) -> Option<Self> {
        let meta = std::fs::metadata(path).ok()?;
        Some(Self {
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

/// The findings dismissed in one file (line and fingerprint), and the file as it was.
#[derive(Debug, Default)]
struct Dismissal {
    stamp: Option<Stamp>,
    items: BTreeSet<(usize, String)>,
}

/// What kind of leak a group is (the engine's kinds, for the window).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum LeakKind {
    /// A key in the vault, by name.
    VaultKey,
    /// A real provider key Till does not hold.
    UnknownKey,
    /// A Till agent key.
    TillToken,
}

impl From<Kind> for LeakKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::VaultKey => Self::VaultKey,
            Kind::UnknownKey => Self::UnknownKey,
            Kind::TillToken => Self::TillToken,
        }
    }
}

/// One place a key was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LeakPlace {
    /// The file's full path (what "Copy path" copies, and what dismissing names).
    pub path: String,
    /// The path as shown: `~/…` under the home folder, with the line (`~/shop/.env:3`).
    pub shown: String,
    pub line: u32,
    /// How the value was written (`raw`, `base64`, `url`, `json`, `shell`).
    pub encoding: String,
}

/// The places one key was found, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LeakGroup {
    pub kind: LeakKind,
    /// The vault key's name (vault keys only).
    pub key: Option<String>,
    pub provider: String,
    /// The provider as people call it (`OpenAI`), from the catalog.
    pub provider_name: String,
    /// Redacted (`sk_…WXYZ`).
    pub fingerprint: String,
    pub places: Vec<LeakPlace>,
    /// The next step, in a sentence.
    pub what_to_do: String,
}

/// The findings of the watched folders.
#[derive(Debug, Default)]
pub struct Board {
    files: BTreeMap<PathBuf, Vec<Finding>>,
    /// Salted hashes of the (key, file, line) already announced.
    announced: HashSet<u64>,
    salt: RandomState,
    dismissed: HashMap<PathBuf, Dismissal>,
}

impl Board {
    fn token(&self, finding: &Finding) -> u64 {
        self.salt
            .hash_one((finding.key.as_deref(), &finding.path, finding.line))
    }

    /// Replaces the findings `reach` covers with `found` (what rescanning it found).
    /// Returns the vault-key findings to announce: those at a (key, file, line) not
    /// announced before.
    pub fn replace(&mut self, reach: &Reach, found: Vec<Finding>) -> Vec<Finding> {
        let covered: Vec<PathBuf> = self
            .files
            .keys()
            .filter(|file| reach.covers(file))
            .cloned()
            .collect();
        let mut before = HashSet::new();
        for file in covered {
            for finding in self.files.remove(&file).unwrap_or_default() {
                before.insert(self.token(&finding));
            }
        }
        let mut news = Vec::new();
        let mut now = HashSet::new();
        for finding in found {
            let token = self.token(&finding);
            now.insert(token);
            if finding.kind == Kind::VaultKey && self.announced.insert(token) {
                news.push(finding.clone());
            }
            self.files
                .entry(PathBuf::from(&finding.path))
                .or_default()
                .push(finding);
        }
        // Gone from its line: if it comes back, that is news again.
        for token in before.difference(&now) {
            self.announced.remove(token);
        }
        // A dismissal lasts until the file changes (or goes).
        self.dismissed.retain(|file, dismissal| {
            !reach.covers(file) || (dismissal.stamp.is_some() && Stamp::of(file) == dismissal.stamp)
        });
        news
    }

    /// Forgets every finding and dismissal (the vault locked: names and paths go);
    /// what was announced is kept, as hashes, so it is not announced again.
    pub fn clear(&mut self) {
        self.files.clear();
        self.dismissed.clear();
    }

    /// Forgets findings under folders no longer watched.
    pub fn retain_under(&mut self, roots: &[PathBuf]) {
        self.files
            .retain(|file, _| roots.iter().any(|root| file.starts_with(root)));
    }

    /// Hides the finding at `path`:`line` with `fingerprint` until the file changes.
    /// Returns whether there was such a finding.
    pub fn dismiss(&mut self, path: &str, line: usize, fingerprint: &str) -> bool {
        let file = PathBuf::from(path);
        let exists = self.files.get(&file).is_some_and(|found| {
            found
                .iter()
                .any(|f| f.line == line && f.fingerprint == fingerprint)
        });
        if exists {
            let stamp = Stamp::of(&file);
            let entry = self.dismissed.entry(file).or_default();
            entry.stamp = stamp;
            entry.items.insert((line, fingerprint.to_owned()));
        }
        exists
    }

    fn shown(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(move |(file, found)| {
            let hidden = self.dismissed.get(file).map(|d| &d.items);
            found.iter().filter(move |f| {
                !hidden.is_some_and(|items| items.contains(&(f.line, f.fingerprint.clone())))
            })
        })
    }

    /// How many findings are shown (the sidebar's count).
    pub fn count(&self) -> usize {
        self.shown().count()
    }

    /// The shown findings grouped by key (vault keys first, by name), each with its
    /// places in path and line order; paths under `home` start with `~/`.
    pub fn groups(&self, home: Option<&Path>) -> Vec<LeakGroup> {
        let mut groups: BTreeMap<(LeakKind, Option<String>, String, String), Vec<LeakPlace>> =
            BTreeMap::new();
        for finding in self.shown() {
            let place = LeakPlace {
                path: finding.path.clone(),
                shown: format!(
                    "{}:{}",
                    shorten(Path::new(&finding.path), home),
                    finding.line
                ),
                line: u32::try_from(finding.line).unwrap_or(u32::MAX),
                encoding: finding.encoding.as_str().to_owned(),
            };
            groups
                .entry((
                    finding.kind.into(),
                    finding.key.clone(),
                    finding.provider.clone(),
                    finding.fingerprint.clone(),
                ))
                .or_default()
                .push(place);
        }
        groups
            .into_iter()
            .map(|((kind, key, provider, fingerprint), places)| {
                let known = catalog::provider(&provider);
                let provider_name = known.map_or_else(|| provider.clone(), |p| p.name.clone());
                let console_url = known.and_then(|p| p.console_url.as_deref());
                LeakGroup {
                    what_to_do: what_to_do(kind, &provider_name, console_url),
                    kind,
                    key,
                    provider,
                    provider_name,
                    fingerprint,
                    places,
                }
            })
            .collect()
    }
}

/// The next step for a kind of leak, as the window says it (`provider`: its name).
pub fn what_to_do(kind: LeakKind, provider: &str, console_url: Option<&str>) -> String {
    match kind {
        LeakKind::VaultKey => "Treat it as leaked: start the leaked-key runbook (revoke, rotate, \
             find every place, record), then take the value out of these files."
            .to_owned(),
        LeakKind::UnknownKey => {
            let at = console_url.map_or_else(|| provider.to_owned(), str::to_owned);
            format!(
                "Till does not hold this {provider} key: add it to Till, or revoke it at \
                 {at}; then take it out of these files."
            )
        }
        LeakKind::TillToken => "An agent key: revoke it in Agents (its agents stop at once), \
             then take it out of these files."
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use till_scan::Encoding;

    fn finding(path: &Path, line: usize, key: Option<&str>) -> Finding {
        Finding {
            path: path.display().to_string(),
            line,
            kind: if key.is_some() {
                Kind::VaultKey
            } else {
                Kind::UnknownKey
            },
            key: key.map(Into::into),
            provider: "stripe".into(),
            fingerprint: "sk_…WXYZ".into(),
            encoding: Encoding::Raw,
            commit: None,
            relative_path: String::new(),
        }
    }

    fn names(news: &[Finding]) -> Vec<String> {
        news.iter()
            .map(|f| format!("{}:{}", f.key.as_deref().unwrap_or("?"), f.line))
            .collect()
    }

    #[test]
    fn a_vault_key_is_announced_once_per_key_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let env = dir.path().join(".env");
        let reach = Reach::Files(dir.path().to_owned());
        let mut board = Board::default();
        let scan = |lines: &[usize]| -> Vec<Finding> {
            let mut found: Vec<Finding> = lines
                .iter()
                .map(|&l| finding(&env, l, Some("Stripe prod")))
                .collect();
            found.push(finding(&env, 9, None));
            found
        };

        assert_eq!(names(&board.replace(&reach, scan(&[3]))), ["Stripe prod:3"]);
        assert!(
            board.replace(&reach, scan(&[3])).is_empty(),
            "a rescan is quiet"
        );
        assert_eq!(
            names(&board.replace(&reach, scan(&[3, 7]))),
            ["Stripe prod:7"],
            "a new line is news"
        );
        assert!(board.replace(&reach, scan(&[7])).is_empty());
        assert_eq!(
            names(&board.replace(&reach, scan(&[3, 7]))),
            ["Stripe prod:3"],
            "back on a line it had left: news again"
        );
        assert_eq!(board.count(), 3);

        // Locking forgets names and paths, but not what was announced.
        board.clear();
        assert_eq!(board.count(), 0);
        assert!(board
            .replace(&Reach::Tree(dir.path().to_owned()), scan(&[3, 7]))
            .is_empty());
        assert_eq!(board.count(), 3);
    }

    #[test]
    fn a_rescan_replaces_only_what_it_covered() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path().join(".env");
        let deep = dir.path().join("src/config.py");
        let mut board = Board::default();
        board.replace(
            &Reach::Tree(dir.path().to_owned()),
            vec![finding(&top, 1, Some("A")), finding(&deep, 2, Some("B"))],
        );
        // The top folder's own files were rescanned and are clean now; src/ was not.
        board.replace(&Reach::Files(dir.path().to_owned()), Vec::new());
        let left: Vec<String> = board
            .groups(None)
            .iter()
            .flat_map(|g| g.places.iter().map(|p| p.path.clone()))
            .collect();
        assert_eq!(left, [deep.display().to_string()]);
    }

    #[test]
    fn a_dismissed_finding_stays_hidden_until_its_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let env = dir.path().join(".env");
        std::fs::write(&env, "KEY=...\n").unwrap();
        let reach = Reach::Files(dir.path().to_owned());
        let mut board = Board::default();
        let found = || vec![finding(&env, 1, Some("Stripe prod"))];
        board.replace(&reach, found());
        let path = env.display().to_string();
        assert!(!board.dismiss(&path, 2, "sk_…WXYZ"), "no such finding");
        assert!(board.dismiss(&path, 1, "sk_…WXYZ"));
        assert_eq!(board.count(), 0);
        board.replace(&reach, found());
        assert_eq!(board.count(), 0, "same file: still dismissed");
        std::fs::write(&env, "KEY=...\nPORT=1\n").unwrap();
        board.replace(&reach, found());
        assert_eq!(board.count(), 1, "the file changed: shown again");
    }

    #[test]
    fn groups_put_each_key_s_places_together_with_what_to_do() {
        let home = Path::new("/home/ada");
        let mut board = Board::default();
        board.replace(
            &Reach::Tree(home.to_owned()),
            vec![
                finding(&home.join("shop/.env"), 3, Some("Stripe prod")),
                finding(&home.join("shop/k8s/secret.yaml"), 8, Some("Stripe prod")),
                finding(&home.join("shop/app.py"), 5, None),
            ],
        );
        let groups = board.groups(Some(home));
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].kind, LeakKind::VaultKey);
        assert_eq!(groups[0].key.as_deref(), Some("Stripe prod"));
        let shown: Vec<&str> = groups[0].places.iter().map(|p| p.shown.as_str()).collect();
        assert_eq!(shown, ["~/shop/.env:3", "~/shop/k8s/secret.yaml:8"]);
        assert!(groups[0].what_to_do.contains("leaked-key runbook"));
        assert_eq!(groups[1].kind, LeakKind::UnknownKey);
        assert_eq!(groups[1].provider_name, "Stripe");
        let stripe_console = catalog::provider("stripe")
            .unwrap()
            .console_url
            .clone()
            .unwrap();
        assert_eq!(
            groups[1].what_to_do,
            format!(
                "Till does not hold this Stripe key: add it to Till, or revoke it at \
                 {stripe_console}; then take it out of these files."
            )
        );
    }
}
