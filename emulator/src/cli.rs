//! Command-line parsing for the `gcp-emulator` binary (hand-written: the
//! flag set is small and fixed).

use crate::config::Config;
use std::time::Duration;

/// Usage text printed for `--help` and after argument errors.
pub const USAGE: &str = "usage: gcp-emulator [--listen ADDR] [--project ID=NUMBER]... [--seed FILE]
                    [--latency-ms N] [--fault-rate F] [--fault-seed S] [--quota-rps N]
                    [--iam-propagation-ms N]

  --listen ADDR        address to listen on (default 127.0.0.1:8085; port 0 picks one)
  --project ID=NUMBER  a project that exists, with its Artifact Registry service agent (repeatable)
  --seed FILE          JSON seed: projects, principals, repositories, secrets (see emulator/README.md)
  --latency-ms N       delay added to every API request
  --fault-rate F       share (0..1) of API requests answered with a retryable error, unapplied
  --fault-seed S       seed of the fault RNG (default 0)
  --quota-rps N        requests per second allowed per caller; more get 429
  --iam-propagation-ms N
                       delay before IAM policy changes reach Artifact Registry's upstream check";

/// Parsed command line.
#[derive(Debug, Clone)]
pub struct Cli {
    /// Address to bind.
    pub listen: String,
    /// Everything else.
    pub config: Config,
}

/// What the binary should do.
#[derive(Debug)]
pub enum Parsed {
    /// Run with this command line.
    Run(Box<Cli>),
    /// Print usage and exit successfully.
    Help,
}

/// Parses arguments (without the program name).
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Parsed, String> {
    let mut cli = Cli {
        listen: "127.0.0.1:8085".to_string(),
        config: Config::default(),
    };
    let mut seeds = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if flag == "--help" || flag == "-h" {
            return Ok(Parsed::Help);
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--listen" => cli.listen = value()?,
            "--project" => cli.config.add_project_arg(&value()?)?,
            "--seed" => seeds.push(value()?),
            "--latency-ms" => {
                let ms: u64 = value()?
                    .parse()
                    .map_err(|_| "--latency-ms expects an integer".to_string())?;
                cli.config.latency = Duration::from_millis(ms);
            }
            "--fault-rate" => {
                let rate: f64 = value()?
                    .parse()
                    .map_err(|_| "--fault-rate expects a number".to_string())?;
                if !(0.0..=1.0).contains(&rate) {
                    return Err("--fault-rate must be between 0 and 1".to_string());
                }
                cli.config.fault_rate = rate;
            }
            "--fault-seed" => {
                cli.config.fault_seed = value()?
                    .parse()
                    .map_err(|_| "--fault-seed expects an integer".to_string())?;
            }
            "--quota-rps" => {
                let rps: u32 = value()?
                    .parse()
                    .map_err(|_| "--quota-rps expects an integer".to_string())?;
                if rps == 0 {
                    return Err("--quota-rps must be at least 1".to_string());
                }
                cli.config.quota_rps = Some(rps);
            }
            "--iam-propagation-ms" => {
                cli.config.iam_propagation_ms = value()?
                    .parse()
                    .map_err(|_| "--iam-propagation-ms expects an integer".to_string())?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    for seed in seeds {
        cli.config.load_seed_file(&seed)?;
    }
    Ok(Parsed::Run(Box::new(cli)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Cli, String> {
        match parse(args.iter().map(|s| s.to_string()))? {
            Parsed::Run(cli) => Ok(*cli),
            Parsed::Help => Err("help".into()),
        }
    }

    #[test]
    fn parses_every_flag() {
        let cli = run(&[
            "--listen",
            "127.0.0.1:0",
            "--project",
            "demo-project=123456789012",
            "--project=other-project=42",
            "--latency-ms",
            "5",
            "--fault-rate",
            "0.25",
            "--fault-seed",
            "9",
            "--quota-rps=3",
            "--iam-propagation-ms",
            "8000",
        ])
        .expect("parse");
        assert_eq!(cli.listen, "127.0.0.1:0");
        assert_eq!(cli.config.seed.projects.len(), 2);
        assert_eq!(cli.config.latency, Duration::from_millis(5));
        assert_eq!(cli.config.fault_rate, 0.25);
        assert_eq!(cli.config.fault_seed, 9);
        assert_eq!(cli.config.quota_rps, Some(3));
        assert_eq!(cli.config.iam_propagation_ms, 8000);
    }

    #[test]
    fn rejects_bad_values() {
        assert!(run(&["--fault-rate", "2"]).is_err());
        assert!(run(&["--latency-ms"]).is_err());
        assert!(run(&["--bogus"]).is_err());
        assert!(run(&["--iam-propagation-ms", "-5"]).is_err());
        assert!(run(&["--seed", "/nonexistent/seed.json"]).is_err());
        assert!(run(&["--help"]).is_err());
    }
}
