//! Capture of the client's `tracing` output, per thread.
//!
//! One global subscriber is installed the first time a test captures, for the whole test
//! binary; it writes each line to the capture of the thread that emitted it, or nowhere. Tests
//! that do not capture are unaffected by it, except that the client's spans are then enabled
//! (their fields are recorded and dropped).

use std::cell::RefCell;
use std::io;
use std::sync::{Arc, Mutex, Once};

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// Everything written through `tracing` on one thread while the guard of [`capture_logs`] lives.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// The lines closing a `refold.call` span, which carry every field the call recorded.
    pub fn call_spans(&self) -> Vec<String> {
        self.text()
            .lines()
            .filter(|line| line.contains("refold.call{") && line.contains("close"))
            .map(str::to_owned)
            .collect()
    }

    /// The `attempts` recorded on each closed `refold.call` span, in order.
    pub fn attempts(&self) -> Vec<u32> {
        self.call_spans()
            .iter()
            .map(|line| {
                field(line, "attempts")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| panic!("no attempts field in {line}"))
            })
            .collect()
    }
}

/// The value of `name=value` in a formatted span line (values end at a space or `}`).
pub fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!("{name}=");
    let start = line
        .match_indices(&needle)
        .find(|(i, _)| *i == 0 || matches!(line.as_bytes()[i - 1], b' ' | b'{'))?
        .0
        + needle.len();
    let rest = &line[start..];
    let end = rest.find([' ', '}']).unwrap_or(rest.len());
    Some(&rest[..end])
}

thread_local! {
    /// The buffer of the capture running on this thread, if any.
    static CAPTURE: RefCell<Option<Logs>> = const { RefCell::new(None) };
}

/// Writes to the capture of the thread that emits the event, or nowhere.
pub struct ThreadWriter;

impl io::Write for ThreadWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        CAPTURE.with(|capture| {
            if let Some(logs) = capture.borrow().as_ref() {
                logs.0.lock().unwrap().extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct ByThread;

impl<'a> MakeWriter<'a> for ByThread {
    type Writer = ThreadWriter;
    fn make_writer(&'a self) -> ThreadWriter {
        ThreadWriter
    }
}

/// Ends a capture when dropped.
pub struct CaptureGuard(());

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CAPTURE.with(|capture| capture.borrow_mut().take());
    }
}

/// Captures every event and span (opening and closing, with their fields) at TRACE emitted on
/// the current thread until the guard drops. Use it from a current-thread runtime, so that the
/// client's futures run on the thread that holds the guard.
///
/// One global subscriber routes each line to the emitting thread's capture. A thread-local
/// subscriber (`set_default`) would be simpler but loses events: tracing caches each call
/// site's interest globally, and a call site first reached by a parallel test on a thread
/// without a subscriber can be cached as "never" while this thread's subscriber registers.
pub fn capture_logs() -> (Logs, CaptureGuard) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        tracing_subscriber::fmt()
            .with_writer(ByThread)
            .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
            .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
            .finish()
            .try_init()
            .expect("no other global tracing subscriber in this test binary");
    });
    let logs = Logs::default();
    CAPTURE.with(|capture| *capture.borrow_mut() = Some(logs.clone()));
    (logs, CaptureGuard(()))
}
