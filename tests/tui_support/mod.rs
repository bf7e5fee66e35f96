//! Test helpers for the browser: a shared `TestBackend` the test can read while the real loop
//! draws on it, a scripted input stream, waits on drawn text with a timeout, and sessions opened
//! on the simulator's connections.
#![allow(clippy::unwrap_used, dead_code)]

pub mod fixtures;

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::StreamExt;
use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Size};
use roster::app::{App, Session};
use roster::config::Config;
use roster::service::{AnyDirectory, OpenOptions};
use roster::simulator::RunningSimulator;
use roster::tui::{Console, Exit, Outside, run_loop};
use tokio::sync::watch;

/// How long a wait for a drawn condition may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);

/// A `TestBackend` shared between the loop (which draws) and the test (which reads); every flush
/// bumps a counter the test can wait on.
#[derive(Clone)]
pub struct SharedBackend {
    inner: Arc<Mutex<TestBackend>>,
    frames: Arc<watch::Sender<u64>>,
}

impl SharedBackend {
    pub fn new(width: u16, height: u16) -> Self {
        let (frames, _) = watch::channel(0);
        Self {
            inner: Arc::new(Mutex::new(TestBackend::new(width, height))),
            frames: Arc::new(frames),
        }
    }

    /// The drawn buffer with its styles.
    pub fn buffer(&self) -> Buffer {
        self.inner.lock().unwrap().buffer().clone()
    }

    /// The drawn screen as text, one line per row, trailing spaces trimmed.
    pub fn text(&self) -> String {
        let backend = self.inner.lock().unwrap();
        buffer_text(backend.buffer())
    }
}

/// A buffer as text lines.
pub fn buffer_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

impl Backend for SharedBackend {
    type Error = std::convert::Infallible;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.lock().unwrap().draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.lock().unwrap().hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.lock().unwrap().show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.lock().unwrap().get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.lock().unwrap().set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.lock().unwrap().clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.lock().unwrap().clear_region(clear_type)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.lock().unwrap().size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.lock().unwrap().window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.lock().unwrap().flush()?;
        self.frames.send_modify(|n| *n += 1);
        Ok(())
    }
}

/// The loop's console in tests: scripted events, a clipboard to read, and an `$EDITOR` that
/// returns a set text.
pub struct TestConsole {
    input: UnboundedReceiver<io::Result<Event>>,
    copied: Arc<Mutex<Vec<String>>>,
    editor_result: Arc<Mutex<Option<String>>>,
}

impl Console for TestConsole {
    async fn next(&mut self) -> Outside {
        match self.input.next().await {
            Some(Ok(event)) => Outside::Event(event),
            Some(Err(error)) => Outside::Failed(error),
            None => Outside::Ended,
        }
    }

    fn copy(&mut self, text: &str) -> Result<(), String> {
        self.copied.lock().unwrap().push(text.to_owned());
        Ok(())
    }

    fn edit(&mut self, _text: &str) -> Result<String, String> {
        self.editor_result
            .lock()
            .unwrap()
            .clone()
            .ok_or_else(|| "no editor in this test".to_owned())
    }
}

/// The real loop running on a shared backend with scripted input.
pub struct Harness {
    pub backend: SharedBackend,
    input: UnboundedSender<io::Result<Event>>,
    frames: watch::Receiver<u64>,
    task: tokio::task::JoinHandle<color_eyre::Result<Exit>>,
    /// What the loop copied to the clipboard.
    pub copied: Arc<Mutex<Vec<String>>>,
    /// What the test `$EDITOR` leaves in the file (None: the editor fails).
    pub editor_result: Arc<Mutex<Option<String>>>,
}

impl Harness {
    /// Starts the loop for an app on a terminal of this size.
    pub fn start(app: App, width: u16, height: u16) -> Self {
        let backend = SharedBackend::new(width, height);
        let frames = backend.frames.subscribe();
        let (input, keys) = unbounded();
        let loop_backend = backend.clone();
        let copied = Arc::new(Mutex::new(Vec::new()));
        let editor_result = Arc::new(Mutex::new(None));
        let mut console = TestConsole {
            input: keys,
            copied: copied.clone(),
            editor_result: editor_result.clone(),
        };
        let task = tokio::spawn(async move {
            let mut terminal = Terminal::new(loop_backend)?;
            run_loop(&mut terminal, &mut console, app).await
        });
        Self {
            backend,
            input,
            frames,
            task,
            copied,
            editor_result,
        }
    }

    /// Sends one terminal event.
    pub fn send(&self, event: Event) {
        self.input.unbounded_send(Ok(event)).unwrap();
    }

    /// Sends a key without modifiers.
    pub fn key(&self, code: KeyCode) {
        self.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    /// Sends a character key (Shift for upper case, as terminals report it).
    pub fn char(&self, c: char) {
        let modifiers = if c.is_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        self.send(Event::Key(KeyEvent::new(KeyCode::Char(c), modifiers)));
    }

    /// Types text key by key.
    pub fn type_text(&self, text: &str) {
        for c in text.chars() {
            self.char(c);
        }
    }

    /// Sends Ctrl with a character.
    pub fn ctrl(&self, c: char) {
        self.send(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
    }

    /// The screen as text now.
    pub fn screen(&self) -> String {
        self.backend.text()
    }

    /// Waits until the drawn screen satisfies `condition`; fails with the screen after [`WAIT`].
    pub async fn wait_for(&mut self, what: &str, condition: impl Fn(&str) -> bool) -> String {
        self.wait_within(what, WAIT, condition).await
    }

    /// Like [`Harness::wait_for`] with another timeout (slow set-ups, such as 100,000 users).
    pub async fn wait_within(
        &mut self,
        what: &str,
        timeout: Duration,
        condition: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if condition(&screen) {
                return screen;
            }
            match tokio::time::timeout_at(deadline, self.frames.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => panic!("the loop ended while waiting for {what}:\n{screen}"),
                Err(_) => panic!("timed out waiting for {what}; the screen was:\n{screen}"),
            }
        }
    }

    /// Waits until the screen shows `text`.
    pub async fn wait_text(&mut self, text: &str) -> String {
        let wanted = text.to_owned();
        self.wait_for(&format!("`{text}`"), move |s| s.contains(&wanted))
            .await
    }

    /// Ends the input and waits for the loop to return.
    pub async fn finish(self) -> color_eyre::Result<Exit> {
        self.input.close_channel();
        tokio::time::timeout(WAIT, self.task)
            .await
            .expect("the loop did not end")
            .expect("the loop panicked")
    }

    /// Waits for the loop to end by itself (after a quit key).
    pub async fn ended(self) -> color_eyre::Result<Exit> {
        tokio::time::timeout(WAIT, self.task)
            .await
            .expect("the loop did not end")
            .expect("the loop panicked")
    }
}

/// Opens the named connections of the simulator's own config, in order.
pub fn simulator_sessions(sim: &RunningSimulator, names: &[&str]) -> Vec<Session> {
    let path = Path::new("simulator.toml");
    let config = Config::parse(path, &sim.config_toml()).unwrap();
    names
        .iter()
        .map(|name| {
            let spec = config.connection(name).unwrap();
            let connection = spec.resolve(path).unwrap();
            Session {
                name: connection.name.clone(),
                kind: connection.kind,
                read_only: connection.read_only,
                server: Some(roster::write::server_identity(&connection)),
                directory: AnyDirectory::open(&connection, OpenOptions::default())
                    .map_err(|e| e.to_string()),
            }
        })
        .collect()
}

/// A Looker session whose URL points at a closed port on loopback.
pub async fn closed_port_session(name: &str) -> Session {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let text = format!(
        "[[connection]]\nname = \"{name}\"\nkind = \"looker\"\nurl = \"http://127.0.0.1:{port}/looker\"\nclient_id = \"id\"\nclient_secret = \"secret\"\n"
    );
    let path = Path::new("closed.toml");
    let config = Config::parse(path, &text).unwrap();
    let connection = config.connection(name).unwrap().resolve(path).unwrap();
    Session {
        name: name.to_owned(),
        kind: connection.kind,
        read_only: false,
        server: Some(roster::write::server_identity(&connection)),
        directory: AnyDirectory::open(&connection, OpenOptions::default())
            .map_err(|e| e.to_string()),
    }
}
