//! The `roster` binary: everything happens in the library's command line.

fn main() {
    std::process::exit(roster::cli::run());
}
