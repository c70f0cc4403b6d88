//! `caseload serve`: the web app, until Ctrl-C.

use anyhow::Context;

use crate::cli::{BadArgument, ServeArgs};

pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    let token = match &args.token_file {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("--token-file {}: cannot read", file.display()))?;
            let Some(first) = text.lines().next().map(str::trim).filter(|t| !t.is_empty()) else {
                return Err(BadArgument(format!(
                    "--token-file {}: the file is empty; write the token on its first line",
                    file.display()
                ))
                .into());
            };
            Some(first.to_string())
        }
        None => args.token.clone(),
    };
    let config = caseload_serve::Config {
        db: args.db.clone(),
        bind: args.bind,
        token,
    };
    caseload_serve::run(&config, |address| {
        eprintln!(
            "caseload serve: the week's register is {}; open http://{address}/ (Ctrl-C stops)",
            config.db.display()
        );
    })?;
    Ok(())
}
