//! `caseload serve`: the coordinator's week in a browser, on an embedded SQLite
//! database.
//!
//! One process, no network beyond the address it listens on, no assets from anywhere
//! else (htmx is served from the binary). A coordinator imports the week's two files
//! (checked with the same located messages as the command line; nothing is stored when
//! any row is bad), reads the plan per area, asks why a family waits and who should
//! take it, pins and forbids with a note, and accepts the week: the acceptance records
//! next week's register, byte for byte what `caseload allocate --register-out` writes
//! for the same files and decisions, and can never change afterwards.
//!
//! Safety: every change is one SQLite transaction ([`db`]); a change made on an older
//! view of the week loses with a clear conflict; every form carries a CSRF token
//! (double-submit cookie, and forms from another origin refused); bound to anything but loopback, the app
//! needs a token on every request ([`Config::token`]). The register's ids are
//! pseudonymous, and the app never asks for a name beyond the coordinator's initials.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod db;
mod pages;
mod web;
pub mod week;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use web::{router, AppState};

/// How to run the app.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database file (created with its schema on first run).
    pub db: PathBuf,
    /// Where to listen.
    pub bind: SocketAddr,
    /// The token every request must carry (`Authorization: Bearer TOKEN`, or the cookie
    /// set by `/login?token=TOKEN`); required when `bind` is not a loopback address.
    pub token: Option<String>,
}

/// Why the app could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The configuration is unsafe or incomplete (bad input).
    #[error("{0}")]
    Config(String),
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Db(#[from] db::DbError),
    /// The address could not be bound, or serving failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
}

impl Config {
    /// Refuses to listen beyond loopback without a token, and an empty token.
    ///
    /// # Errors
    ///
    /// [`ServeError::Config`] saying what to do.
    pub fn check(&self) -> Result<(), ServeError> {
        if let Some(token) = &self.token {
            if token.trim().len() < 16 {
                return Err(ServeError::Config(
                    "the token must be at least 16 characters (a long random string: anyone who has it can change the register)".into(),
                ));
            }
        }
        if !self.bind.ip().is_loopback() && self.token.is_none() {
            return Err(ServeError::Config(format!(
                "--bind {}: listening beyond this machine needs --token or --token-file, which every request must then carry; without one, bind to 127.0.0.1",
                self.bind
            )));
        }
        Ok(())
    }
}

/// Opens the database and serves until Ctrl-C (or SIGTERM); `ready` is called with the
/// address bound (port 0 picks a free one).
///
/// # Errors
///
/// [`ServeError`] if the configuration is unsafe, the database cannot be opened, or the
/// address cannot be bound.
pub fn run(config: &Config, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    config.check()?;
    let state = AppState::new(db::Db::open(&config.db)?, config.token.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| ServeError::Io {
            what: "cannot start the server's runtime".into(),
            source,
        })?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| ServeError::Io {
                what: format!("cannot listen on {}", config.bind),
                source,
            })?;
        let address = listener.local_addr().map_err(|source| ServeError::Io {
            what: "cannot read the address bound".into(),
            source,
        })?;
        ready(address);
        axum::serve(listener, router(state))
            .with_graceful_shutdown(shutdown())
            .await
            .map_err(|source| ServeError::Io {
                what: "serving stopped".into(),
                source,
            })
    })
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
