//! The command line: [`parse`] turns the arguments into a [`Command`] or a usage error.

use std::path::PathBuf;

use crate::inf::Framework;

/// What `cadenza` was asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    Version,
    Install {
        framework: Framework,
        inf: Option<PathBuf>,
    },
    Uninstall,
    Switch {
        framework: Framework,
        inf: Option<PathBuf>,
    },
    List,
    Config {
        target: Target,
        action: ConfigAction,
        restart: bool,
    },
    Status {
        /// `--device ID`; `None`: the only Cadenza device.
        device: Option<String>,
        /// `--watch`: redraw until Ctrl+C, or `count` times (`--count N`).
        watch: bool,
        count: Option<u32>,
    },
}

/// Which `Parameters` key `config` works on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The only Cadenza device.
    OnlyDevice,
    /// `--device INSTANCE_ID`.
    Device(String),
    /// `--key PATH`: a registry key instead of a device (for tests without a driver).
    Key(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigAction {
    Show,
    Set { key: String, value: String },
    Reset,
}

/// The usage text (`cadenza --help`).
pub const USAGE: &str = "\
usage: cadenza <command> [options]

commands:
  install --framework acx|portcls [--inf PATH]
        Add the driver package to the driver store and create the Cadenza device with the
        chosen framework's hardware ID (ROOT\\CadenzaAcx or ROOT\\CadenzaPortCls).
        PATH defaults to cadenza.inf beside cadenza.exe. Needs an elevated prompt and
        test signing on (bcdedit /set testsigning on).
  uninstall
        Remove every Cadenza device (the package stays in the driver store).
  switch --framework acx|portcls [--inf PATH]
        Move the installed device to the other framework, keeping its configuration.
  list
        Each Cadenza device: instance ID, framework, endpoint names from its configuration.
  config show [--device ID | --key PATH]
        The device's Parameters values and what the driver will say about them.
  config set KEY VALUE [--device ID | --key PATH] [--no-restart]
        Check VALUE with the driver's own parser, write it, restart the device.
        Lists (SampleRates, SampleTypes) are comma-separated: 48000,96000
  config reset [--device ID | --key PATH] [--no-restart]
        Write every key's INF default, restart the device.
  status [--device ID] [--watch [--count N]]
        Each cable's streams as the driver reports them (live-status property): state,
        format, buffer, position, timer lateness and glitch counters. No levels.
        --watch redraws every 500 ms until Ctrl+C (or N times with --count N).

  --device ID   the device to configure or show when there are several (see `cadenza list`)
  --key PATH    a registry key (HKCU\\... or HKLM\\...) instead of a device's Parameters
                key; meant for tests without a driver, no restart is done
  --no-restart  write only; the driver reads the values at its next start

exit codes:
  0  done
  1  a Windows call failed (the message names it and its error code)
  2  usage error (including: several Cadenza devices and no --device)
  3  not elevated (run from an Administrator prompt)
  4  test signing is off
  5  driver package missing or incomplete (INF or driver files)
  6  a Cadenza device is already installed (install), or already uses that framework (switch)
  7  no Cadenza device is installed
  8  the configuration parser refused the value (nothing was written)
  9  done, but it takes effect only after a device restart or a reboot
  10  the driver did not answer the live-status property with a valid snapshot
";

/// A usage error's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

fn err<T>(message: impl Into<String>) -> Result<T, UsageError> {
    Err(UsageError(message.into()))
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, UsageError> {
    let mut positional: Vec<&str> = Vec::new();
    let mut framework = None;
    let mut inf = None;
    let mut device = None;
    let mut key = None;
    let mut restart = true;
    let mut watch = false;
    let mut count = None;
    let mut help = false;
    let mut version = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| match it.next() {
            Some(v) => Ok(v.clone()),
            None => err(format!("{name} needs a value")),
        };
        match arg.as_str() {
            "-h" | "--help" => help = true,
            "-V" | "--version" => version = true,
            "--framework" => {
                let v = value("--framework")?;
                framework = Some(Framework::from_name(&v).ok_or_else(|| {
                    UsageError(format!(
                        "unknown framework {v:?}: use --framework acx or --framework portcls"
                    ))
                })?);
            }
            "--inf" => inf = Some(PathBuf::from(value("--inf")?)),
            "--device" => device = Some(value("--device")?),
            "--key" => key = Some(value("--key")?),
            "--no-restart" => restart = false,
            "--watch" => watch = true,
            "--count" => count = Some(count_value(&value("--count")?)?),
            a if a.starts_with("--") => return err(format!("unknown option {a}")),
            a => positional.push(a),
        }
    }
    if help || positional.first() == Some(&"help") {
        return Ok(Command::Help);
    }
    if version {
        return Ok(Command::Version);
    }
    let Some((&command, rest)) = positional.split_first() else {
        return err("no command given");
    };
    let no_more = |allowed: &[&str]| -> Result<(), UsageError> {
        let given = [
            ("--framework", framework.is_some()),
            ("--inf", inf.is_some()),
            ("--device", device.is_some()),
            ("--key", key.is_some()),
            ("--no-restart", !restart),
            ("--watch", watch),
            ("--count", count.is_some()),
        ];
        for (name, present) in given {
            if present && !allowed.contains(&name) {
                return err(format!("{name} does not apply to `{command}`"));
            }
        }
        Ok(())
    };
    let no_args = |n: usize| {
        rest.get(n)
            .map_or(Ok(()), |a| err(format!("unexpected argument {a:?}")))
    };
    match command {
        "install" | "switch" => {
            no_more(&["--framework", "--inf"])?;
            no_args(0)?;
            let Some(framework) = framework else {
                return err(format!(
                    "`{command}` needs --framework acx or --framework portcls"
                ));
            };
            Ok(if command == "install" {
                Command::Install { framework, inf }
            } else {
                Command::Switch { framework, inf }
            })
        }
        "uninstall" | "list" => {
            no_more(&[])?;
            no_args(0)?;
            Ok(if command == "list" {
                Command::List
            } else {
                Command::Uninstall
            })
        }
        "status" => {
            no_more(&["--device", "--watch", "--count"])?;
            no_args(0)?;
            status(device.clone(), watch, count)
        }
        "config" => parse_config(rest, device.clone(), key.clone(), restart, &no_more),
        other => err(format!("unknown command {other:?}")),
    }
}

/// `--count N`: a number of refreshes, at least 1.
fn count_value(v: &str) -> Result<u32, UsageError> {
    v.parse::<u32>().ok().filter(|&n| n > 0).ok_or_else(|| {
        UsageError(format!(
            "--count needs a number of refreshes above 0, not {v:?}"
        ))
    })
}

/// `status`, once its options are known to apply.
fn status(device: Option<String>, watch: bool, count: Option<u32>) -> Result<Command, UsageError> {
    if count.is_some() && !watch {
        return err("--count applies to `status --watch` only");
    }
    Ok(Command::Status {
        device,
        watch,
        count,
    })
}

/// `config show|set|reset` and its options.
fn parse_config(
    rest: &[&str],
    device: Option<String>,
    key: Option<String>,
    restart: bool,
    no_more: &dyn Fn(&[&str]) -> Result<(), UsageError>,
) -> Result<Command, UsageError> {
    let no_args = |n: usize| -> Result<(), UsageError> {
        if rest.len() > n {
            return err(format!("unexpected argument {:?}", rest[n]));
        }
        Ok(())
    };
    let target = match (device, key) {
        (Some(_), Some(_)) => return err("give --device or --key, not both"),
        (Some(d), None) => Target::Device(d),
        (None, Some(k)) => Target::Key(k),
        (None, None) => Target::OnlyDevice,
    };
    let action = match rest.first().copied() {
        Some("show") => {
            no_more(&["--device", "--key"])?;
            no_args(1)?;
            ConfigAction::Show
        }
        Some("set") => {
            no_more(&["--device", "--key", "--no-restart"])?;
            let (Some(k), Some(v)) = (rest.get(1), rest.get(2)) else {
                return err("`config set` needs KEY and VALUE");
            };
            no_args(3)?;
            ConfigAction::Set {
                key: (*k).to_owned(),
                value: (*v).to_owned(),
            }
        }
        Some("reset") => {
            no_more(&["--device", "--key", "--no-restart"])?;
            no_args(1)?;
            ConfigAction::Reset
        }
        Some(other) => {
            return err(format!(
                "unknown config action {other:?}: use show, set or reset"
            ));
        }
        None => return err("`config` needs show, set or reset"),
    };
    Ok(Command::Config {
        target,
        action,
        restart,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &str) -> Result<Command, UsageError> {
        let args: Vec<String> = args.split_whitespace().map(str::to_owned).collect();
        parse(&args)
    }

    #[test]
    fn commands_parse() {
        assert_eq!(
            p("install --framework ACX"),
            Ok(Command::Install {
                framework: Framework::Acx,
                inf: None
            })
        );
        assert_eq!(
            p("switch --inf x\\cadenza.inf --framework portcls"),
            Ok(Command::Switch {
                framework: Framework::PortCls,
                inf: Some(PathBuf::from("x\\cadenza.inf"))
            })
        );
        assert_eq!(
            p("config set Channels 8 --key HKCU\\T --no-restart"),
            Ok(Command::Config {
                target: Target::Key("HKCU\\T".into()),
                action: ConfigAction::Set {
                    key: "Channels".into(),
                    value: "8".into()
                },
                restart: false
            })
        );
        assert_eq!(
            p("status"),
            Ok(Command::Status {
                device: None,
                watch: false,
                count: None
            })
        );
        assert_eq!(
            p("status --watch --device ROOT\\MEDIA\\0001 --count 3"),
            Ok(Command::Status {
                device: Some("ROOT\\MEDIA\\0001".into()),
                watch: true,
                count: Some(3)
            })
        );
        assert_eq!(p("list --help"), Ok(Command::Help));
        assert_eq!(p("--version"), Ok(Command::Version));
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        let e = |a: &str| p(a).unwrap_err().0;
        assert_eq!(e(""), "no command given");
        assert_eq!(
            e("install"),
            "`install` needs --framework acx or --framework portcls"
        );
        assert_eq!(
            e("install --framework wdm"),
            "unknown framework \"wdm\": use --framework acx or --framework portcls"
        );
        assert_eq!(
            e("list --framework acx"),
            "--framework does not apply to `list`"
        );
        assert_eq!(e("config set Channels"), "`config set` needs KEY and VALUE");
        assert_eq!(e("config show extra"), "unexpected argument \"extra\"");
        assert_eq!(
            e("config show --no-restart"),
            "--no-restart does not apply to `config`"
        );
        assert_eq!(
            e("config show --key a --device b"),
            "give --device or --key, not both"
        );
        assert_eq!(e("frobnicate"), "unknown command \"frobnicate\"");
        assert_eq!(e("list --inf"), "--inf needs a value");
        assert_eq!(e("status extra"), "unexpected argument \"extra\"");
        assert_eq!(
            e("status --key HKCU\\T"),
            "--key does not apply to `status`"
        );
        assert_eq!(
            e("status --count 3"),
            "--count applies to `status --watch` only"
        );
        assert_eq!(
            e("status --watch --count 0"),
            "--count needs a number of refreshes above 0, not \"0\""
        );
        assert_eq!(e("status --watch --count"), "--count needs a value");
        assert_eq!(e("list --watch"), "--watch does not apply to `list`");
    }
}
