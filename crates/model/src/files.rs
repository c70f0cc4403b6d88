//! Reading input files (`-` is standard input) and writing output files whole or not
//! at all.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use crate::error::LoadError;

/// Reads an input file's bytes; the path `-` reads standard input to its end.
///
/// # Errors
///
/// [`LoadError::Io`] naming the file (or `-`) if it cannot be read.
pub fn read_input(file: &Path) -> Result<Vec<u8>, LoadError> {
    let read = if file.as_os_str() == "-" {
        let mut bytes = Vec::new();
        io::stdin().lock().read_to_end(&mut bytes).map(|_| bytes)
    } else {
        std::fs::read(file)
    };
    read.map_err(|source| LoadError::Io {
        file: file.to_path_buf(),
        source,
    })
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
    let mut temporary = builder.tempfile_in(dir)?;
    write(temporary.as_file_mut())?;
    temporary.as_file_mut().flush()?;
    temporary.as_file().sync_all()?;
    temporary.persist(path).map_err(|e| e.error)?;
    Ok(())
}
