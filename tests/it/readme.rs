//! The README is the door: a newcomer finds in it every domain folder of `src/` and
//! `templates/` and every single-file module, and it stays short enough to read. What
//! leaves it lives beside the code (each module's `//!` comment). No database needed: these
//! tests read files only.

use std::path::{Path, PathBuf};

/// The README's hard size limit, in bytes.
const MAX_BYTES: usize = 15_000;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn readme() -> String {
    let path = root().join("README.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The names of the entries directly under `dir` (relative to the crate), sorted: the
/// folders, or the files ending in `.rs` with that ending taken off.
fn entries(dir: &str, folders: bool) -> Vec<String> {
    let path = root().join(dir);
    let listing =
        std::fs::read_dir(&path).unwrap_or_else(|e| panic!("listing {}: {e}", path.display()));
    let mut names: Vec<String> = listing
        .map(|entry| entry.unwrap_or_else(|e| panic!("listing {}: {e}", path.display())))
        .filter(|entry| entry.path().is_dir() == folders)
        .filter_map(|entry| entry.file_name().to_str().map(str::to_string))
        .filter(|name| !name.starts_with('.'))
        .filter_map(|name| {
            if folders {
                Some(name)
            } else {
                name.strip_suffix(".rs").map(str::to_string)
            }
        })
        .collect();
    names.sort();
    names
}

#[test]
fn the_readme_maps_every_domain_folder() {
    let readme = readme();
    let mut missing = Vec::new();
    for name in entries("src", true) {
        let folder = format!("src/{name}/");
        if !readme.contains(&folder) {
            missing.push(folder);
        }
    }
    for name in entries("templates", true) {
        let folder = format!("templates/{name}/");
        if !readme.contains(&folder) {
            missing.push(folder);
        }
    }
    for name in entries("src", false) {
        if name == "lib" || name == "main" {
            continue;
        }
        let file = format!("src/{name}.rs");
        if !readme.contains(&file) && !readme.contains(&format!("src/{name}/")) {
            missing.push(file);
        }
    }
    assert!(
        missing.is_empty(),
        "README.md's map of the code misses {}: add each to the map (folders as `src/<name>/` \
         or `templates/<name>/`, single-file modules as `src/<name>.rs`)",
        missing.join(", ")
    );
}

#[test]
fn the_readme_stays_a_door() {
    let readme = readme();
    assert!(
        readme.len() <= MAX_BYTES,
        "README.md is {} bytes, over the limit of {MAX_BYTES}: move the detail to the module it \
         describes (its `//!` comment) and leave a pointer",
        readme.len()
    );
    assert!(
        !readme.contains("../shared"),
        "README.md mentions `../shared`, which a reader of the repository doesn't have"
    );
}
