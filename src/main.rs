//! The `digikoord` command: serve (the default), and the operator's commands.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use digikoord::{
    Config, identity::model::EnvironmentProvider, mail::PasswordLink, operator, serve, telemetry,
};

/// Digikoord: the funds for the regional digitalisation coordinators, from requisition to
/// repayment. Configured by the environment (see README: "Operating Digikoord").
#[derive(Parser)]
#[command(name = "digikoord", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application on LISTEN_ADDR (what `digikoord` alone does)
    Serve,
    /// Administrators
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Exit 0 when the server answers /healthz with 200 within 2 s, 1 otherwise
    Healthcheck {
        /// The server to ask; default: http://LISTEN_ADDR
        #[arg(long)]
        url: Option<String>,
    },
    /// Write a complete, consistent dump of the database to FILE (pg_dump, custom format)
    Backup { file: PathBuf },
    /// Restore a dump made by `backup` into an empty database
    Restore { file: PathBuf },
    /// The key that seals the secrets kept in the database
    Secrets {
        #[command(subcommand)]
        command: SecretsCommand,
    },
    /// Archive packages (E-ARK SIP) of closed programme years
    Archive {
        #[command(subcommand)]
        command: ArchiveCommand,
    },
}

#[derive(Subcommand)]
enum ArchiveCommand {
    /// Make, keep and write the archive package of a closed programme year
    Make {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        out: PathBuf,
    },
    /// Check every checksum in an archive package again
    Verify { file: PathBuf },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an administrator at once and print a one-time link to set the password
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Print a new one-time link to set the password of an active account (links are never
    /// shown in the browser; this is the way in when the server has no SMTP_URL)
    PasswordLink {
        #[arg(long)]
        email: String,
    },
}

/// Operator commands on the secrets kept sealed in the database (SECRETS_KEY)
#[derive(Subcommand)]
enum SecretsCommand {
    /// Print a new random key for SECRETS_KEY
    NewKey,
    /// Seal every secret kept with SECRETS_KEY, opening what SECRETS_KEY_OLD sealed
    Rotate,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("digikoord: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The identity providers the environment names are checked as an administrator's form is
    // (`identity`), before anything starts.
    if let Err(e) = config
        .identity_providers
        .iter()
        .try_for_each(|named| EnvironmentProvider::check(named).map(drop))
    {
        eprintln!("digikoord: invalid configuration: {e}");
        return ExitCode::FAILURE;
    }
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            telemetry::init(config.log_format);
            serve::run(config).await
        }
        Command::Admin {
            command: AdminCommand::Create { email, name },
        } => operator::create_administrator(&config, &email, &name)
            .await
            .map(|link| {
                println!("Administratören {email} är skapad.");
                println!(
                    "Engångslänk för att välja lösenord (gäller i {} timmar):\n{link}",
                    PasswordLink::NewAccount.valid_hours()
                );
            }),
        Command::Admin {
            command: AdminCommand::PasswordLink { email },
        } => operator::password_link(&config, &email).await.map(|link| {
            println!(
                "Engångslänk för att välja lösenord för {email} (gäller i {} timmar; tidigare länkar slutar gälla):\n{link}",
                PasswordLink::NewLink.valid_hours()
            );
        }),
        Command::Secrets {
            command: SecretsCommand::NewKey,
        } => {
            println!("{}", digikoord::secrets::Sealer::new_key());
            Ok(())
        }
        Command::Secrets {
            command: SecretsCommand::Rotate,
        } => operator::rotate_secrets(&config).await.map(|n| {
            println!("{n} hemligheter är förseglade med SECRETS_KEY.");
        }),
        Command::Archive {
            command: ArchiveCommand::Make { year, out },
        } => digikoord::archive::make_command(&config, year, &out)
            .await
            .map(|p| {
                println!(
                    "Arkivpaketet för {year} är skapat och sparat i {} ({} byte, {} handlingar).",
                    out.display(),
                    p.size,
                    p.documents
                );
                println!("SHA-256: {}", p.sha256);
            }),
        Command::Archive {
            command: ArchiveCommand::Verify { file },
        } => digikoord::archive::verify_command(&file)
            .await
            .and_then(|faults| {
                if faults.is_empty() {
                    println!("Alla kontrollsummor i {} stämmer.", file.display());
                    Ok(())
                } else {
                    for f in &faults {
                        println!("{f}");
                    }
                    Err(format!("{} fel i {}", faults.len(), file.display()))
                }
            }),
        Command::Healthcheck { url } => {
            let url = url.unwrap_or_else(|| operator::default_health_url(config.listen_addr));
            operator::healthy(&url).await
        }
        Command::Backup { file } => operator::backup(&config, &file)
            .await
            .map(|()| println!("Säkerhetskopian är skriven till {}.", file.display())),
        Command::Restore { file } => operator::restore(&config, &file).await.map(|s| {
            println!(
                "Återställd från {}: {} användare, {} händelser i loggen, {} sparade exporter.",
                file.display(),
                s.users,
                s.audit_entries,
                s.exports
            )
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("digikoord: {e}");
            ExitCode::FAILURE
        }
    }
}
