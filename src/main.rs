//! The `vanban` command: parses arguments, runs the library, reports.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
