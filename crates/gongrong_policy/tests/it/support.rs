use gongrong_policy::Catalogue;
use std::path::PathBuf;
use std::sync::Arc;

/// The repository's `policies/` directory.
pub fn policies_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies")
}

pub fn catalogue() -> Arc<Catalogue> {
    match Catalogue::load(&policies_dir()) {
        Ok(c) => Arc::new(c),
        Err(e) => panic!("{e}"),
    }
}
