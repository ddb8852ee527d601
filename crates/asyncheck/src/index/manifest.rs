//! What a crate's `Cargo.toml` says about how its async code runs: the
//! runtime it depends on, tokio's features, the edition.

use toml::{Table, Value};

/// An async runtime a crate can depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Runtime {
    Tokio,
    AsyncStd,
    Smol,
    /// `futures::executor`, or another executor with no reactor of its own.
    Futures,
}

/// The manifest facts of one crate. The default is "unknown": no manifest
/// was found, and nothing may be assumed about the runtime.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Manifest {
    /// Whether a manifest was read at all.
    pub known: bool,
    /// The name other crates use for it: its `[lib] name`, else its
    /// package name, with `-` as `_`.
    pub name: Option<String>,
    pub edition: Option<String>,
    /// Every runtime among the dependencies (normal ones, not dev).
    pub runtimes: Vec<Runtime>,
    /// tokio's features as enabled by this crate (with the workspace's).
    pub tokio_features: Vec<String>,
    pub tokio_default_features: bool,
    /// A library target (`[lib]`, or `src/lib.rs`, which whoever knows the
    /// package's files sets): its `pub` items escape.
    pub is_library: bool,
}

/// A workspace root's manifest, read once for all its members (which
/// inherit dependencies and the edition from it).
#[derive(Debug, Clone)]
pub struct Workspace(Table);

impl Workspace {
    /// `None` when it does not parse (its own package names the error).
    pub fn parse(text: &str) -> Option<Workspace> {
        text.parse().ok().map(Workspace)
    }

    /// Whether its `exclude` list leaves out the package at `package`
    /// (relative to the workspace root): such a package is a crate of its
    /// own, not a member.
    pub fn excludes(&self, package: &std::path::Path) -> bool {
        let Some(excluded) = self
            .0
            .get("workspace")
            .and_then(|w| w.get("exclude"))
            .and_then(|e| e.as_array())
        else {
            return false;
        };
        excluded
            .iter()
            .filter_map(|entry| entry.as_str())
            .any(|entry| package.starts_with(entry.trim_end_matches('/')))
    }
}

/// A manifest that could not be read, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// 1-based.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The crates that are runtimes, by their package names.
const RUNTIMES: &[(&str, Runtime)] = &[
    ("tokio", Runtime::Tokio),
    ("async-std", Runtime::AsyncStd),
    ("async_std", Runtime::AsyncStd),
    ("smol", Runtime::Smol),
    ("async-executor", Runtime::Smol),
    ("futures", Runtime::Futures),
    ("futures-executor", Runtime::Futures),
];

/// tokio features that turn on every API feature.
const TOKIO_ALL: &[&str] = &["full"];

impl Manifest {
    /// Reads a package manifest; `workspace` is the workspace root's
    /// manifest, for dependencies inherited with `workspace = true`.
    pub fn parse(text: &str, workspace: Option<&Workspace>) -> Result<Manifest, ManifestError> {
        let table: Table = text.parse().map_err(|e: toml::de::Error| {
            let offset = e.span().map_or(0, |s| s.start).min(text.len());
            let before = &text[..offset];
            let line_start = before.rfind('\n').map_or(0, |n| n + 1);
            ManifestError {
                line: before.matches('\n').count() + 1,
                column: text[line_start..offset].chars().count() + 1,
                message: e.message().to_owned(),
            }
        })?;
        let workspace = workspace.and_then(|w| w.0.get("workspace"));
        let workspace_deps = workspace.and_then(|w| w.get("dependencies")?.as_table());
        let package = table.get("package");
        let mut manifest = Manifest {
            known: true,
            name: table
                .get("lib")
                .and_then(|lib| lib.get("name"))
                .or_else(|| package?.get("name"))
                .and_then(Value::as_str)
                .map(|name| name.replace('-', "_")),
            edition: package
                .and_then(|p| p.get("edition"))
                .and_then(|edition| match edition {
                    // `edition = { workspace = true }`: the workspace's.
                    Value::Table(_) => workspace?
                        .get("package")?
                        .get("edition")?
                        .as_str()
                        .map(str::to_owned),
                    other => other.as_str().map(str::to_owned),
                }),
            is_library: table.contains_key("lib"),
            tokio_default_features: true,
            ..Manifest::default()
        };
        let Some(deps) = table.get("dependencies").and_then(Value::as_table) else {
            return Ok(manifest);
        };
        for (key, spec) in deps {
            let package = spec
                .get("package")
                .and_then(Value::as_str)
                .unwrap_or(key.as_str());
            let inherited = spec
                .get("workspace")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let base = inherited.then(|| workspace_deps?.get(key)).flatten();
            let package = base
                .and_then(|b| b.get("package"))
                .and_then(Value::as_str)
                .unwrap_or(package);
            if let Some((_, runtime)) = RUNTIMES.iter().find(|(name, _)| *name == package) {
                if !manifest.runtimes.contains(runtime) {
                    manifest.runtimes.push(*runtime);
                }
            }
            if package != "tokio" {
                continue;
            }
            for source in [base, Some(spec)].into_iter().flatten() {
                if let Some(features) = source.get("features").and_then(Value::as_array) {
                    manifest
                        .tokio_features
                        .extend(features.iter().filter_map(Value::as_str).map(str::to_owned));
                }
                if source.get("default-features").and_then(Value::as_bool) == Some(false) {
                    manifest.tokio_default_features = false;
                }
            }
        }
        Ok(manifest)
    }

    /// Whether the crate depends on tokio with `feature` (or `full`) on.
    pub fn tokio_has(&self, feature: &str) -> bool {
        self.runtimes.contains(&Runtime::Tokio)
            && self
                .tokio_features
                .iter()
                .any(|f| f == feature || TOKIO_ALL.contains(&f.as_str()))
    }

    /// The only runtime the crate depends on, if it depends on exactly one
    /// that has a reactor (`futures` alone has none).
    pub fn sole_runtime(&self) -> Option<Runtime> {
        let with_reactor: Vec<Runtime> = self
            .runtimes
            .iter()
            .copied()
            .filter(|r| *r != Runtime::Futures)
            .collect();
        match with_reactor.as_slice() {
            [only] => Some(*only),
            _ => None,
        }
    }

    /// The edition the crate's code is written in (2021 when not said, as
    /// cargo takes 2015, but 2015 and 2018 read alike for our rules).
    pub fn edition_before_2024(&self) -> bool {
        !matches!(self.edition.as_deref(), Some(e) if e >= "2024")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes_features_and_inherited_dependencies() {
        let workspace = "[workspace.package]\nedition = \"2024\"\n[workspace.dependencies]\ntokio = { version = \"1\", features = [\"rt\", \"time\"] }\n";
        let member = "[package]\nname = \"m\"\nedition = { workspace = true }\n[dependencies]\ntokio = { workspace = true, features = [\"fs\"] }\nfutures = \"0.3\"\n";
        let workspace = Workspace::parse(workspace).unwrap();
        let manifest = Manifest::parse(member, Some(&workspace)).unwrap();
        assert_eq!(manifest.name.as_deref(), Some("m"));
        assert!(manifest.tokio_has("time") && manifest.tokio_has("fs"));
        assert!(!manifest.tokio_has("net"));
        assert_eq!(manifest.sole_runtime(), Some(Runtime::Tokio));
        assert!(!manifest.edition_before_2024());

        let async_std = Manifest::parse("[dependencies]\nasync-std = \"1\"\n", None).unwrap();
        assert_eq!(async_std.sole_runtime(), Some(Runtime::AsyncStd));
        assert!(!async_std.tokio_has("time"));
        let full = Manifest::parse(
            "[dependencies]\ntokio = { version = \"1\", features = [\"full\"] }\n",
            None,
        )
        .unwrap();
        assert!(full.tokio_has("fs"));
    }

    #[test]
    fn an_excluded_package_is_not_a_member() {
        let workspace = Workspace::parse(
            "[workspace]\nmembers = [\"rust/*\"]\nexclude = [\"python\", \"java/jni/\"]\n",
        )
        .unwrap();
        let excluded = |p: &str| workspace.excludes(std::path::Path::new(p));
        assert!(excluded("python"));
        assert!(excluded("java/jni"));
        assert!(!excluded("rust/core"));
        assert!(!excluded("pythonic"));
        assert!(!Workspace::parse("[workspace]\n")
            .unwrap()
            .excludes(std::path::Path::new("python")));
    }

    #[test]
    fn a_broken_manifest_says_where() {
        let error = Manifest::parse("[package]\nname = \n", None).unwrap_err();
        assert_eq!(error.line, 2);
    }
}
