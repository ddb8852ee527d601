//! `cargo asyncheck ...`: cargo runs this binary as `cargo-asyncheck asyncheck ...`.

fn main() {
    let mut args: Vec<_> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "asyncheck") {
        args.remove(1);
    }
    std::process::exit(asyncheck_cli::run_cargo(args));
}
