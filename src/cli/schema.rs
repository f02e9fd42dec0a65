//! `concord schema`: the GraphQL schema (SDL), and what changed between two versions.

use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum SchemaAction {
    /// List what changed from OLD to NEW (SDL files; `-` for this binary's schema) and
    /// exit 1 if a change breaks clients.
    Diff {
        old: std::path::PathBuf,
        new: std::path::PathBuf,
    },
}

/// Prints the schema, or the changes from one version to another.
pub fn run(action: Option<SchemaAction>) -> anyhow::Result<()> {
    let Some(SchemaAction::Diff { old, new }) = action else {
        print!("{}", crate::graphql::sdl());
        return Ok(());
    };
    let read = |path: &std::path::Path| -> anyhow::Result<String> {
        if path.as_os_str() == "-" {
            return Ok(crate::graphql::sdl());
        }
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    };
    let changes = crate::graphql::schema_diff::diff(&read(&old)?, &read(&new)?)
        .map_err(anyhow::Error::msg)?;
    for change in &changes {
        let mark = if change.breaking { "BREAKING" } else { "safe" };
        println!("{mark}\t{}\t{}", change.path, change.message);
    }
    let broken = changes.iter().filter(|c| c.breaking).count();
    if broken > 0 {
        anyhow::bail!("{broken} breaking changes");
    }
    Ok(())
}
