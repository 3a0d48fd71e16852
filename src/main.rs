//! The `covenant` binary: parses the command line and dispatches to [`covenant::cli`].

use clap::Parser;
use covenant::cli::{run, Cli, Exit};

fn main() -> Exit {
    run(Cli::parse())
}
