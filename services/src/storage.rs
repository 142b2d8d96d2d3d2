//! Object storage for uploads (tenant logos now; rate decks and KYC documents later): a local
//! directory in the embedded mode. Keys are relative paths of lower-case letters, digits, `-`,
//! `_`, `.` and `/`.

use anyhow::Context;
use std::path::PathBuf;

/// Where uploaded files are kept.
#[async_trait::async_trait]
pub trait ObjectStore: Send + Sync + std::fmt::Debug {
    /// Stores `bytes` under `key`, replacing what was there.
    async fn put(&self, key: &str, bytes: Vec<u8>) -> anyhow::Result<()>;
    /// The bytes under `key`, or `None`.
    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>>;
    /// Removes `key` (no error if it is absent).
    async fn delete(&self, key: &str) -> anyhow::Result<()>;
    /// Every object whose key starts with `prefix` (e.g. `tenants/`), with when it was last
    /// written; unfinished writes (`*.part`) are listed too, so cleanup can remove them.
    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<ObjectInfo>>;
}

/// An object in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Its key.
    pub key: String,
    /// When it was last written.
    pub modified: chrono::DateTime<chrono::Utc>,
}

/// Objects as files under a root directory (`<data.dir>/objects`).
#[derive(Debug, Clone)]
pub struct LocalDisk {
    root: PathBuf,
}

impl LocalDisk {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    fn path(&self, key: &str) -> anyhow::Result<PathBuf> {
        let valid = !key.is_empty()
            && !key.starts_with('/')
            && !key
                .split('/')
                .any(|part| part.is_empty() || part == "." || part == "..")
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_./".contains(&b));
        anyhow::ensure!(valid, "invalid object key `{key}`");
        Ok(self.root.join(key))
    }
}

#[async_trait::async_trait]
impl ObjectStore for LocalDisk {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .with_context(|| format!("creating {}", dir.display()))?;
        }
        // Write beside the target under a name of its own, then rename: a reader never sees
        // half a file, and two writers never share a temporary file.
        let tmp = path.with_extension(format!("{}.part", rand::random::<u64>()));
        tokio::fs::write(&tmp, bytes)
            .await
            .with_context(|| format!("writing {}", tmp.display()))?;
        tokio::fs::rename(&tmp, &path)
            .await
            .with_context(|| format!("renaming to {}", path.display()))?;
        Ok(())
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading object {key}")),
        }
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("deleting object {key}"))
            }
            _ => Ok(()),
        }
    }

    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<ObjectInfo>> {
        let root = self.root.clone();
        let prefix = prefix.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut found = Vec::new();
            let mut dirs = vec![root.clone()];
            while let Some(dir) = dirs.pop() {
                let entries = match std::fs::read_dir(&dir) {
                    Ok(entries) => entries,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
                };
                for entry in entries {
                    let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
                    let meta = entry.metadata()?;
                    if meta.is_dir() {
                        dirs.push(entry.path());
                        continue;
                    }
                    let Ok(relative) = entry.path().strip_prefix(&root).map(|p| p.to_path_buf())
                    else {
                        continue;
                    };
                    let key = relative.to_string_lossy().replace('\\', "/");
                    if key.starts_with(&prefix) {
                        found.push(ObjectInfo {
                            key,
                            modified: meta.modified()?.into(),
                        });
                    }
                }
            }
            found.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(found)
        })
        .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stores_reads_and_deletes_and_refuses_escaping_keys() {
        let dir = std::env::temp_dir().join(format!("didtron-objects-{}", std::process::id()));
        let store = LocalDisk::new(dir.clone());
        store.put("tenants/1/logo", b"png".to_vec()).await.unwrap();
        assert_eq!(
            store.get("tenants/1/logo").await.unwrap(),
            Some(b"png".to_vec())
        );
        store.put("other/x", b"x".to_vec()).await.unwrap();
        let listed = store.list("tenants/").await.unwrap();
        assert_eq!(
            listed.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
            ["tenants/1/logo"]
        );
        assert!(listed[0].modified <= chrono::Utc::now());
        store.delete("tenants/1/logo").await.unwrap();
        assert_eq!(store.get("tenants/1/logo").await.unwrap(), None);
        assert!(store.list("tenants/").await.unwrap().is_empty());
        for bad in ["../x", "/etc/passwd", "a//b", "A", ""] {
            assert!(store.put(bad, vec![]).await.is_err(), "{bad}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
