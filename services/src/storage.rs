//! Object storage for uploads (tenant logos now; rate decks and KYC documents later): a local
//! directory in the embedded mode ([`LocalDisk`]), or any S3-compatible bucket ([`S3Store`]:
//! AWS S3, Cloudflare R2, MinIO) when `storage.backend = "s3"`. Keys are relative paths of
//! lower-case letters, digits, `-`, `_`, `.` and `/`.

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

/// Refuses keys that are empty, absolute, have empty, `.` or `..` parts, or use characters
/// other than lower-case letters, digits, `-`, `_`, `.` and `/`.
fn check_key(key: &str) -> anyhow::Result<()> {
    let valid = !key.is_empty()
        && !key.starts_with('/')
        && !key
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_./".contains(&b));
    anyhow::ensure!(valid, "invalid object key `{key}`");
    Ok(())
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
        check_key(key)?;
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

/// An S3 call's error with what was being done and the whole error chain (the SDK's own
/// `Display` says only "service error").
fn s3_failure(what: std::fmt::Arguments<'_>, e: impl std::error::Error) -> anyhow::Error {
    anyhow::anyhow!("{what}: {}", aws_sdk_s3::error::DisplayErrorContext(e))
}

/// Objects in an S3-compatible bucket (Amazon S3 API: PutObject, GetObject, DeleteObject,
/// ListObjectsV2; <https://docs.aws.amazon.com/AmazonS3/latest/API/>). Cloudflare R2 takes
/// region `auto` and its account endpoint; MinIO and other servers usually want path-style
/// addressing.
#[derive(Debug, Clone)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
}

/// Where an [`S3Store`] is and how to sign in to it.
#[derive(Debug, Clone)]
pub struct S3Config {
    /// Endpoint URL, e.g. `https://<account>.r2.cloudflarestorage.com`; empty for AWS itself.
    pub endpoint: String,
    /// Region, e.g. `us-east-1` (`auto` for R2).
    pub region: String,
    /// Bucket name.
    pub bucket: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Path-style addressing (`endpoint/bucket/key`) instead of virtual-hosted
    /// (`bucket.endpoint/key`).
    pub path_style: bool,
}

impl S3Store {
    /// A store on `config`'s bucket (no request is made).
    pub fn new(config: &S3Config) -> Self {
        let credentials = aws_sdk_s3::config::Credentials::new(
            config.access_key_id.clone(),
            config.secret_access_key.clone(),
            None,
            None,
            "didtron-settings",
        );
        let mut builder = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new(config.region.clone()))
            .credentials_provider(credentials)
            .force_path_style(config.path_style);
        if !config.endpoint.is_empty() {
            builder = builder.endpoint_url(config.endpoint.clone());
        }
        Self {
            client: aws_sdk_s3::Client::from_conf(builder.build()),
            bucket: config.bucket.clone(),
        }
    }

    /// Checks that the bucket exists and the credentials may use it.
    ///
    /// # Errors
    /// The bucket is missing or refused, or the endpoint does not answer; the message says
    /// which setting to check.
    pub async fn check(&self) -> anyhow::Result<()> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| {
                s3_failure(format_args!("S3 bucket `{}` is not usable (check storage.s3.endpoint, storage.s3.bucket and the keys)", self.bucket), e)
            })?;
        Ok(())
    }

    /// Creates the bucket (tests and first-time set-up); an existing bucket of ours is fine.
    ///
    /// # Errors
    /// The server refused.
    pub async fn create_bucket(&self) -> anyhow::Result<()> {
        match self
            .client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_bucket_already_owned_by_you()) =>
            {
                Ok(())
            }
            Err(e) => Err(s3_failure(
                format_args!("creating S3 bucket `{}`", self.bucket),
                e,
            )),
        }
    }
}

#[async_trait::async_trait]
impl ObjectStore for S3Store {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        check_key(key)?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(bytes.into())
            .send()
            .await
            .map_err(|e| s3_failure(format_args!("storing object {key}"), e))?;
        Ok(())
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        check_key(key)?;
        match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(
                out.body
                    .collect()
                    .await
                    .with_context(|| format!("reading object {key}"))?
                    .into_bytes()
                    .to_vec(),
            )),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
            Err(e) => Err(s3_failure(format_args!("reading object {key}"), e)),
        }
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        check_key(key)?;
        // S3 answers 204 whether or not the key existed.
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| s3_failure(format_args!("deleting object {key}"), e))?;
        Ok(())
    }

    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<ObjectInfo>> {
        let mut found = Vec::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| s3_failure(format_args!("listing objects under {prefix}"), e))?;
            for object in page.contents() {
                let (Some(key), Some(modified)) = (object.key(), object.last_modified()) else {
                    continue;
                };
                let modified =
                    chrono::DateTime::from_timestamp(modified.secs(), modified.subsec_nanos())
                        .unwrap_or_default();
                found.push(ObjectInfo {
                    key: key.to_owned(),
                    modified,
                });
            }
        }
        found.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(found)
    }
}
