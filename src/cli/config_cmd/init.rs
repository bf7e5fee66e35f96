//! `roster config init`: on a terminal, asks for each connection's kind, URL, principal and where
//! its secret comes from (an environment variable, a command, or the value itself in the file),
//! then writes a commented config with mode 0600. Without a terminal it prints the commented
//! template (or writes it to `--file`). It never overwrites a file without `--force`, and never
//! echoes a secret typed in.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;

use super::super::{CliError, Globals};
use super::{InitArgs, TEMPLATE};
use crate::config::Config;
use crate::domain::ServiceKind;
use crate::secret::Secret;

/// Where one connection's secret comes from, as answered.
#[derive(Debug)]
enum SecretAnswer {
    Env(String),
    Command(Vec<String>),
    Plain(Secret),
}

/// One connection as answered.
#[derive(Debug)]
struct Answer {
    name: String,
    kind: ServiceKind,
    url: String,
    principal: Option<String>,
    secret: SecretAnswer,
    read_only: bool,
}

/// Runs `roster config init`.
pub fn run(args: &InitArgs, globals: &Globals) -> Result<(), CliError> {
    let interactive = io::stdin().is_terminal() && io::stderr().is_terminal();
    if !interactive {
        let Some(path) = &args.file else {
            super::super::output::print(TEMPLATE);
            return Ok(());
        };
        write_config(path, TEMPLATE, args.force)?;
        eprintln!("wrote the commented template to {}", path.display());
        return Ok(());
    }
    let path = match &args.file {
        Some(path) => path.clone(),
        None => Config::locate(globals.config.as_deref())?,
    };
    refuse_existing(&path, args.force)?;
    eprintln!(
        "This writes a roster config to {} (mode 0600). Ctrl-C stops without writing.",
        path.display()
    );
    let stdin = io::stdin();
    let mut prompter = Prompter {
        input: &mut stdin.lock(),
        output: &mut io::stderr(),
        hidden: &mut read_hidden_line,
    };
    let answers = ask_connections(&mut prompter)
        .map_err(|e| CliError::Usage(format!("config init stopped: {e}; nothing was written")))?;
    let text = render(&answers);
    Config::parse(&path, &text)?;
    write_config(&path, &text, args.force)?;
    eprintln!(
        "wrote {} (mode 0600); next: `roster config check`",
        path.display()
    );
    Ok(())
}

fn refuse_existing(path: &Path, force: bool) -> Result<(), CliError> {
    if path.exists() && !force {
        return Err(CliError::Usage(format!(
            "{} exists; pass --force to overwrite it",
            path.display()
        )));
    }
    Ok(())
}

/// Writes the config with mode 0600, creating its directory.
fn write_config(path: &Path, text: &str, force: bool) -> Result<(), CliError> {
    refuse_existing(path, force)?;
    let failed = |e: io::Error| CliError::Usage(format!("cannot write {}: {e}", path.display()));
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    crate::simulator::write_private_file(path, text).map_err(failed)
}

/// Questions on `output`, answers from `input`; secrets typed through `hidden` (no echo).
struct Prompter<'a> {
    input: &'a mut dyn BufRead,
    output: &'a mut dyn Write,
    hidden: &'a mut dyn FnMut() -> io::Result<String>,
}

impl Prompter<'_> {
    /// One line, trimmed; the default when the answer is empty.
    fn ask(&mut self, question: &str, default: Option<&str>) -> io::Result<String> {
        loop {
            match default {
                Some(default) => write!(self.output, "{question} [{default}]: ")?,
                None => write!(self.output, "{question}: ")?,
            }
            self.output.flush()?;
            let mut line = String::new();
            if self.input.read_line(&mut line)? == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "input ended"));
            }
            let answer = line.trim();
            match (answer.is_empty(), default) {
                (false, _) => return Ok(answer.to_owned()),
                (true, Some(default)) => return Ok(default.to_owned()),
                (true, None) => writeln!(self.output, "  (an answer is needed)")?,
            }
        }
    }

    /// One of `choices` (the first is the default).
    fn choose(&mut self, question: &str, choices: &[&str]) -> io::Result<String> {
        loop {
            let question = format!("{question} ({})", choices.join("/"));
            let answer = self.ask(&question, choices.first().copied())?;
            if choices.contains(&answer.as_str()) {
                return Ok(answer);
            }
            writeln!(self.output, "  (one of: {})", choices.join(", "))?;
        }
    }

    fn yes(&mut self, question: &str) -> io::Result<bool> {
        Ok(matches!(
            self.ask(question, Some("n"))?.as_str(),
            "y" | "Y" | "yes"
        ))
    }

    /// A secret, typed without echo; asked again when empty.
    fn secret(&mut self, question: &str) -> io::Result<Secret> {
        loop {
            write!(self.output, "{question} (not shown): ")?;
            self.output.flush()?;
            let value = (self.hidden)()?;
            if !value.trim().is_empty() {
                return Ok(Secret::new(value));
            }
            writeln!(self.output, "  (an empty secret is refused)")?;
        }
    }
}

fn ask_connections(prompter: &mut Prompter<'_>) -> io::Result<Vec<Answer>> {
    let mut answers: Vec<Answer> = Vec::new();
    loop {
        writeln!(prompter.output, "\nConnection {}", answers.len() + 1)?;
        let answer = ask_connection(prompter, &answers)?;
        answers.push(answer);
        if !prompter.yes("Add another connection?")? {
            return Ok(answers);
        }
    }
}

fn ask_connection(prompter: &mut Prompter<'_>, earlier: &[Answer]) -> io::Result<Answer> {
    let kind = match prompter
        .choose("Kind", &["looker", "crowd", "scim"])?
        .as_str()
    {
        "crowd" => ServiceKind::Crowd,
        "scim" => ServiceKind::Scim,
        _ => ServiceKind::Looker,
    };
    let name = loop {
        let name = prompter.ask("Name", Some(kind.as_str()))?;
        if name.chars().any(char::is_whitespace) {
            writeln!(prompter.output, "  (one word)")?;
        } else if earlier.iter().any(|a| a.name == name) {
            writeln!(prompter.output, "  (`{name}` is taken)")?;
        } else {
            break name;
        }
    };
    let example = match kind {
        ServiceKind::Crowd => "https://crowd.example.com/crowd",
        ServiceKind::Scim => "https://api.atlassian.com/scim/directory/<directory id>",
        ServiceKind::Looker => "https://example.looker.com",
    };
    let url = loop {
        let url = prompter.ask(&format!("Base URL, e.g. {example}"), None)?;
        match url::Url::parse(&url) {
            Ok(parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
                writeln!(
                    prompter.output,
                    "  (no credentials in the URL; they come next)"
                )?;
            }
            Ok(parsed) if matches!(parsed.scheme(), "https" | "http") => break url,
            _ => writeln!(prompter.output, "  (a URL starting with https://)")?,
        }
    };
    let principal = match kind {
        ServiceKind::Crowd => Some(prompter.ask("Crowd application name", None)?),
        ServiceKind::Looker => Some(prompter.ask("API client id", None)?),
        ServiceKind::Scim => None,
    };
    let key = secret_key(kind);
    let secret = match prompter
        .choose(
            &format!("Where does the {key} come from"),
            &["env", "command", "plain"],
        )?
        .as_str()
    {
        "command" => {
            let line = prompter.ask(
                "Command, words separated by spaces (e.g. pass show x)",
                None,
            )?;
            SecretAnswer::Command(line.split_whitespace().map(str::to_owned).collect())
        }
        "plain" => SecretAnswer::Plain(prompter.secret(&format!("The {key}"))?),
        _ => {
            let default = format!(
                "{}_{}",
                name.to_uppercase().replace('-', "_"),
                key.to_uppercase()
            );
            SecretAnswer::Env(prompter.ask("Environment variable", Some(&default))?)
        }
    };
    let read_only = prompter.yes("Refuse every write on this connection (read_only)?")?;
    Ok(Answer {
        name,
        kind,
        url,
        principal,
        secret,
        read_only,
    })
}

fn secret_key(kind: ServiceKind) -> &'static str {
    match kind {
        ServiceKind::Crowd => "password",
        ServiceKind::Scim => "token",
        ServiceKind::Looker => "client_secret",
    }
}

/// A TOML string literal.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// The config text for the answers, with comments for the optional keys.
fn render(answers: &[Answer]) -> String {
    let mut text = String::from(
        "# roster config, written by `roster config init`.\n\
         # `roster config check` tests every connection; the README's Configuration section lists\n\
         # every key, and `roster config init` without a terminal prints a commented template.\n",
    );
    for answer in answers {
        text.push_str(&format!(
            "\n[[connection]]\nname = {}\nkind = \"{}\"\nurl = {}\n",
            quoted(&answer.name),
            answer.kind,
            quoted(&answer.url)
        ));
        match (answer.kind, &answer.principal) {
            (ServiceKind::Crowd, Some(name)) => {
                text.push_str(&format!("username = {}\n", quoted(name)));
            }
            (ServiceKind::Looker, Some(id)) => {
                text.push_str(&format!("client_id = {}\n", quoted(id)));
            }
            _ => {}
        }
        let source = match &answer.secret {
            SecretAnswer::Env(name) => format!("{{ env = {} }}", quoted(name)),
            SecretAnswer::Command(argv) => {
                let words = argv
                    .iter()
                    .map(|w| toml::Value::String(w.clone()))
                    .collect();
                format!("{{ command = {} }}", toml::Value::Array(words))
            }
            SecretAnswer::Plain(secret) => quoted(secret.expose()),
        };
        text.push_str(&format!("{} = {source}\n", secret_key(answer.kind)));
        if answer.read_only {
            text.push_str("read_only = true\n");
        } else {
            text.push_str("# read_only = true                    # refuse every write\n");
        }
        text.push_str(
            "# timeout = 120                       # overall deadline of one command, seconds\n\
             # max_concurrency = 4                 # the most requests in flight\n",
        );
    }
    text
}

/// Reads one line from the terminal without echo (raw mode), for a secret.
fn read_hidden_line() -> io::Result<String> {
    use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
    crossterm::terminal::enable_raw_mode()?;
    let read = (|| {
        let mut text = String::new();
        loop {
            match event::read()? {
                Event::Key(key) if key.kind != KeyEventKind::Release => match key.code {
                    KeyCode::Enter => return Ok(text),
                    KeyCode::Backspace => {
                        text.pop();
                    }
                    KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                        return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
                    }
                    KeyCode::Esc => {
                        return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
                    }
                    KeyCode::Char(c) => text.push(c),
                    _ => {}
                },
                Event::Paste(pasted) => text.push_str(&pasted),
                _ => {}
            }
        }
    })();
    let restored = crossterm::terminal::disable_raw_mode();
    eprintln!();
    let text = read?;
    restored?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers_for(script: &str, secrets: &[&str]) -> (io::Result<Vec<Answer>>, String) {
        let mut input = script.as_bytes();
        let mut output = Vec::new();
        let mut typed = secrets.iter().map(|s| (*s).to_owned());
        let mut hidden = || Ok(typed.next().unwrap_or_default());
        let answers = ask_connections(&mut Prompter {
            input: &mut input,
            output: &mut output,
            hidden: &mut hidden,
        });
        (answers, String::from_utf8_lossy(&output).into_owned())
    }

    #[test]
    fn answers_become_a_valid_commented_config() {
        let script = "\
looker
lk
https://example.looker.com
abc
env

n
y
crowd
crowd main
crowd
https://app:pw@crowd.example.com
https://crowd.example.com/crowd
roster-app
command
pass show crowd/roster
y
y
scim

https://api.atlassian.com/scim/directory/d1
plain
n
n
";
        let (answers, prompts) = answers_for(script, &["", "t0k\"en"]);
        let answers = answers.expect("answered");
        assert!(prompts.contains("(one word)"), "{prompts}");
        assert!(prompts.contains("no credentials in the URL"), "{prompts}");
        assert!(prompts.contains("an empty secret is refused"), "{prompts}");
        assert!(!prompts.contains("t0k"), "a typed secret is never echoed");
        let text = render(&answers);
        let config = Config::parse(Path::new("init.toml"), &text).expect("valid");
        let names: Vec<&str> = config.connections.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["lk", "crowd", "scim"]);
        assert!(
            text.contains("client_secret = { env = \"LK_CLIENT_SECRET\" }"),
            "{text}"
        );
        assert!(
            text.contains("password = { command = [\"pass\", \"show\", \"crowd/roster\"] }"),
            "{text}"
        );
        assert!(config.connections[1].read_only);
        let scim = config.connections[2]
            .resolve(&config.path)
            .expect("resolves");
        match scim.credentials {
            crate::config::Credentials::Bearer { token } => assert_eq!(token.expose(), "t0k\"en"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn an_ended_input_stops_without_an_answer() {
        let (answers, _) = answers_for("looker\n", &[]);
        assert!(answers.is_err());
    }
}
