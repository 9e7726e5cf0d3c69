//! Writes a generated estate to disk, to measure the `moat` command on it:
//! `cargo run --release -p moat-bench --example write_estate -- native SCALE FILE` (the
//! enterprise estate at SCALE times its number of hubs, e.g. 0.25 or 2), or
//! `... -- terraform COPIES DIR` (a Terraform configuration of COPIES landing zones, as
//! DIR/main.tf).

use moat_bench::{Spec, estate, terraform_estate};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, size, out] = &args[..] else {
        eprintln!("usage: write_estate native SCALE FILE | terraform COPIES DIR");
        return ExitCode::from(2);
    };
    let written = match kind.as_str() {
        "native" => size
            .parse::<f64>()
            .map_err(|e| e.to_string())
            .and_then(|s| {
                std::fs::write(out, estate(Spec::enterprise().scaled(s))).map_err(|e| e.to_string())
            }),
        "terraform" => size
            .parse::<usize>()
            .map_err(|e| e.to_string())
            .and_then(|n| {
                std::fs::create_dir_all(out)
                    .and_then(|()| {
                        std::fs::write(
                            std::path::Path::new(out).join("main.tf"),
                            terraform_estate(n),
                        )
                    })
                    .map_err(|e| e.to_string())
            }),
        other => Err(format!("unknown estate kind `{other}`")),
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
