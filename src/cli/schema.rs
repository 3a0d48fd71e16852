//! `covenant schema --policy P [--root DIR]`: writes the JSON Schema of the policy's case files
//! to standard output (see [`crate::schema`]).

use super::eval::load_policy;
use super::Exit;
use clap::Args;
use std::path::PathBuf;

/// Arguments of `covenant schema`.
#[derive(Debug, Clone, Args)]
pub struct SchemaArgs {
    /// The policy whose case files to describe.
    #[arg(long)]
    pub policy: PathBuf,
    /// The folder the policy's imports may come from (default: the policy file's own folder).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

/// Runs `covenant schema`.
pub fn run(args: &SchemaArgs) -> Exit {
    let policy = match load_policy(&args.policy, args.root.as_deref()) {
        Ok(policy) => policy,
        Err(exit) => return exit,
    };
    let schema = crate::schema::case_schema(&policy);
    let text = match serde_json::to_string_pretty(&schema) {
        Ok(text) => text,
        Err(error) => {
            super::error(format!("cannot write the schema: {error}"));
            return Exit::Unusable;
        }
    };
    match super::write_stdout(&format!("{text}\n")) {
        Ok(()) => Exit::Success,
        Err(error) => {
            super::error(format!("cannot write: {error}"));
            Exit::Unusable
        }
    }
}
