//! Reading input files (`-` is standard input) and writing output files whole or not
//! at all.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use crate::error::LoadError;

/// The largest input read, in bytes: 256 MiB, some two million register rows (the
/// national week ten times over is 3 MB). Beyond it a file is not an input but a
/// mistake (`/dev/zero`, a disk image), and reading it whole would fill the memory.
pub const MAX_INPUT_BYTES: u64 = 256 << 20;

/// Reads an input file's bytes; the path `-` reads standard input to its end.
///
/// # Errors
///
/// [`LoadError::Io`] naming the file (or `-`) if it cannot be read, or is larger than
/// [`MAX_INPUT_BYTES`].
pub fn read_input(file: &Path) -> Result<Vec<u8>, LoadError> {
    let read = if file.as_os_str() == "-" {
        read_at_most(io::stdin().lock(), MAX_INPUT_BYTES)
    } else {
        File::open(file).and_then(|f| read_at_most(f, MAX_INPUT_BYTES))
    };
    read.map_err(|source| LoadError::Io {
        file: file.to_path_buf(),
        source: with_nearest_name(file, source),
    })
}

/// All of `input`, unless it runs past `limit` bytes.
fn read_at_most(input: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    input.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "larger than {} MiB, the most an input may be: not a caseload file (an endless device such as /dev/zero, or the wrong file?)",
                limit >> 20
            ),
        ));
    }
    Ok(bytes)
}

/// A missing file's error, with the name in its folder that `file` most likely meant
/// (`referals.csv`: did you mean `referrals.csv`?), if one is close.
fn with_nearest_name(file: &Path, source: io::Error) -> io::Error {
    if source.kind() != io::ErrorKind::NotFound {
        return source;
    }
    let (Some(name), Some(folder)) = (file.file_name().and_then(|n| n.to_str()), file.parent())
    else {
        return source;
    };
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    let Ok(entries) = std::fs::read_dir(folder) else {
        return source;
    };
    let names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    let known: Vec<&str> = names.iter().map(String::as_str).collect();
    match crate::config::nearest(name, &known) {
        Some(near) => io::Error::new(source.kind(), format!("{source}; did you mean `{near}`?")),
        None => source,
    }
}

/// Writes `path` through a temporary file in the same folder, renamed into place when
/// `write` succeeds: a reader never sees half a file, and a failure leaves none. The
/// file gets ordinary permissions (0644 on Unix), not the temporary file's private ones.
///
/// # Errors
///
/// The I/O error of creating, writing or renaming the file, or the one `write` returns.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let temporary = staged(path, write)?;
    temporary.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Several output files of one run, written all or none: each is written to a
/// temporary file beside its target as it is added, and all are renamed into place by
/// [`Staged::commit`]. Dropped without a commit, it leaves nothing behind: neither its
/// temporary files nor the folders [`Staged::create_dir`] made.
#[derive(Debug, Default)]
pub struct Staged {
    files: Vec<(tempfile::NamedTempFile, std::path::PathBuf)>,
    /// Folders created for the run, parents first.
    created: Vec<std::path::PathBuf>,
}

impl Staged {
    /// Writes `bytes` for `path`, not yet in place.
    ///
    /// # Errors
    ///
    /// The I/O error of creating or writing the temporary file (a missing folder, a
    /// full disk): nothing of the run is in place then.
    pub fn add(&mut self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let temporary = staged(path, |file| file.write_all(bytes))?;
        self.files.push((temporary, path.to_path_buf()));
        Ok(())
    }

    /// Creates the folder `dir` and any missing parents, to be removed again if the
    /// run is not committed.
    ///
    /// # Errors
    ///
    /// The I/O error of creating a folder (those made before it are removed on drop).
    pub fn create_dir(&mut self, dir: &Path) -> io::Result<()> {
        let mut missing: Vec<&Path> = dir.ancestors().take_while(|d| !d.exists()).collect();
        missing.reverse();
        for folder in missing {
            if folder.as_os_str().is_empty() {
                continue;
            }
            std::fs::create_dir(folder)?;
            self.created.push(folder.to_path_buf());
        }
        Ok(())
    }

    /// Renames every file into place.
    ///
    /// # Errors
    ///
    /// The first rename that fails, with the path it was for.
    pub fn commit(mut self) -> Result<(), (std::path::PathBuf, io::Error)> {
        // A rename onto a folder fails; found before any file is in place, so that the
        // run stays all or none (dropping `self` removes every temporary file).
        if let Some((_, path)) = self.files.iter().find(|(_, path)| path.is_dir()) {
            let err = io::Error::new(io::ErrorKind::IsADirectory, "it is a folder");
            return Err((path.clone(), err));
        }
        self.created.clear();
        for (temporary, path) in std::mem::take(&mut self.files) {
            temporary.persist(&path).map_err(|e| (path, e.error))?;
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        // The temporary files first (dropping one deletes it), then the folders made
        // for them, innermost first; a folder that is not empty stays.
        self.files.clear();
        for folder in self.created.iter().rev() {
            let _ = std::fs::remove_dir(folder);
        }
    }
}

/// A temporary file beside `path`, written by `write` and synced, not yet renamed.
fn staged(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut temporary = builder
        .tempfile_in(dir)
        .map_err(|e| io::Error::new(e.kind(), folder_reason(dir, &e)))?;
    write(temporary.as_file_mut())?;
    temporary.as_file_mut().flush()?;
    temporary.as_file().sync_all()?;
    Ok(temporary)
}

/// Why no file could be made in `dir`, in words about the folder (the temporary
/// file's own name, which the user never chose, is left out).
fn folder_reason(dir: &Path, err: &io::Error) -> String {
    let dir = dir.display();
    match err.kind() {
        io::ErrorKind::NotFound => format!("the folder {dir} does not exist"),
        io::ErrorKind::PermissionDenied => format!("no permission to write in the folder {dir}"),
        _ => match err.raw_os_error() {
            Some(code) => format!(
                "in the folder {dir}: {}",
                io::Error::from_raw_os_error(code)
            ),
            None => format!("in the folder {dir}: {}", err.kind()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_input_is_refused_at_the_limit_not_read_to_its_end() {
        let limit = 3 << 20;
        let read = read_at_most(io::repeat(0), limit).unwrap_err();
        assert_eq!(read.kind(), io::ErrorKind::InvalidData);
        assert!(read.to_string().starts_with("larger than 3 MiB"), "{read}");
        let whole = read_at_most(io::repeat(7).take(limit), limit).unwrap();
        assert_eq!(whole.len() as u64, limit);
    }

    #[test]
    fn a_missing_file_names_the_one_it_most_likely_meant() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("referrals.csv"), "x").unwrap();
        let said = |name: &str| match read_input(&dir.path().join(name)) {
            Err(LoadError::Io { source, .. }) => source.to_string(),
            other => panic!("{other:?}"),
        };
        assert!(
            said("referals.csv").ends_with("; did you mean `referrals.csv`?"),
            "{}",
            said("referals.csv")
        );
        assert!(!said("supporters.csv").contains("did you mean"));
        assert_eq!(read_input(&dir.path().join("referrals.csv")).unwrap(), b"x");
    }
}
